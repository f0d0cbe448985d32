import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { STANDALONE_SERVER } from "../scripts/chaos/processes";
import { cleanEnv } from "../test/cli";
import { APP_PORT } from "./urls";

/**
 * The standalone server (the build the suite already made) refuses to start on bad
 * configuration, with one line naming the variable — no stack trace.
 */
function startServer(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    // A port of its own (the standalone server takes no "any port"): it must stop before listening matters.
    const child = spawn(process.execPath, [STANDALONE_SERVER], {
      env: cleanEnv({ NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", PORT: String(APP_PORT + 120), HOSTNAME: "127.0.0.1", ...env }),
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the server kept running with bad configuration; stderr: ${stderr}`));
    }, 45_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

test("an unreachable DATABASE_URL stops the server with one human line", async () => {
  const { code, stderr } = await startServer({ DATABASE_URL: "postgres://nobody@127.0.0.1:1/x" });
  expect(code).toBe(1);
  expect(stderr.trim().split("\n")).toEqual([
    "Cannot start: DATABASE_URL: cannot use the Postgres database at 127.0.0.1:1/x: connection refused — is Postgres running there?",
  ]);
});

test("an invalid PAYRAM_BASE_URL stops the server with one line naming it", async () => {
  const { code, stderr } = await startServer({ PAYRAM_BASE_URL: "ftp://pay.example.com" });
  expect(code).toBe(1);
  const lines = stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^Cannot start: PAYRAM_BASE_URL .* must be an http\(s\) URL/);
});

test("ADMIN_PASSWORD without ADMIN_EMAIL on a database with no merchant account stops the server with one line naming ADMIN_EMAIL", async () => {
  const dir = mkdtempSync(join(tmpdir(), "shop-startup-"));
  try {
    const { code, stderr } = await startServer({ DATABASE_URL: `file:${join(dir, "shop.db")}`, ADMIN_PASSWORD: "the old shared password", SESSION_SECRET: "s".repeat(40) });
    expect(code).toBe(1);
    expect(stderr.trim().split("\n")).toEqual([expect.stringMatching(/^Cannot start: ADMIN_EMAIL must be set: ADMIN_PASSWORD now creates the first owner/)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
