import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";

/** Loads the route as the server would, with the given DATABASE_URL in the environment. */
async function healthWith(databaseUrl: string) {
  // A fresh server: new modules, and no database handle yet (lib/db/server.ts keeps it on globalThis).
  vi.resetModules();
  delete (globalThis as Record<symbol, unknown>)[Symbol.for("payram-storefront.db")];
  vi.stubEnv("DATABASE_URL", databaseUrl);
  const { GET } = await import("./route");
  const response = await GET();
  return { status: response.status, body: await response.json(), cacheControl: response.headers.get("cache-control") };
}

describe("GET /api/health", () => {
  const dir = mkdtempSync(join(tmpdir(), "shop-health-"));
  afterAll(() => {
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });

  it("is 200 when the database answers", async () => {
    expect(await healthWith(`file:${join(dir, "shop.db")}`)).toEqual({
      status: 200,
      body: { status: "ok", database: "ok" },
      cacheControl: "no-store",
    });
  });

  it("is 503 when the database does not", async () => {
    expect(await healthWith("postgres://nobody@127.0.0.1:1/x")).toMatchObject({
      status: 503,
      body: { status: "unavailable", database: "unreachable" },
    });
  });
});
