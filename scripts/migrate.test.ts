import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runMigrate } from "@/test/cli";

describe("npm run db:migrate", () => {
  const dir = mkdtempSync(join(tmpdir(), "shop-migrate-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("creates and migrates a SQLite file", async () => {
    const run = await runMigrate({ DATABASE_URL: `file:${join(dir, "nested", "shop.db")}` });
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toContain("Database is up to date (SQLite file");
  });

  it("refuses an unreachable Postgres with one human line naming DATABASE_URL", async () => {
    const run = await runMigrate({ DATABASE_URL: "postgres://nobody:hunter2@127.0.0.1:1/x" });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual([
      "Cannot start: DATABASE_URL: cannot use the Postgres database at 127.0.0.1:1/x: connection refused — is Postgres running there?",
    ]);
    expect(run.stderr).not.toContain("hunter2");
  });

  it("refuses an invalid PAYRAM_BASE_URL with one line naming it, before touching the database", async () => {
    const run = await runMigrate({ PAYRAM_BASE_URL: "pay.example.com", DATABASE_URL: "postgres://nobody@127.0.0.1:1/x" });
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Cannot start: PAYRAM_BASE_URL \(the Site URL of your PayRam server.*\) must be an http\(s\) URL/);
  });

  it("refuses to run production against a real PayRam with the public development key", async () => {
    const run = await runMigrate({
      NODE_ENV: "production",
      PAYRAM_BASE_URL: "https://pay.example.com",
      ADMIN_PASSWORD: "a real merchant password",
      SESSION_SECRET: "x".repeat(48),
      DATABASE_URL: `file:${join(dir, "prod.db")}`,
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual([
      "Cannot start: PAYRAM_API_KEY (the PayRam project API key, never logged or sent to the browser) must be set in production: the development default is public",
    ]);
  });
});
