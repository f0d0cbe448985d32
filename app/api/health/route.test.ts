import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { startTestPayram, type TestPayram } from "@/test/emulator";

/**
 * Liveness (/api/health) and readiness (/api/health/ready), loaded as a fresh server would load
 * them, with the given environment. The SIGTERM side (503 while liveness stays 200 until exit) is
 * e2e/shutdown.spec.ts's, against the standalone server.
 */
async function fresh(env: Record<string, string>) {
  vi.resetModules();
  // A fresh server: no database handle, no remembered PayRam answer, not stopping (all on globalThis).
  for (const name of ["db", "payram-reachability", "stopping"]) delete (globalThis as Record<symbol, unknown>)[Symbol.for(`payram-storefront.${name}`)];
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  const live = await import("./route");
  const ready = await import("./ready/route");
  const answer = async (response: Response) => ({ status: response.status, body: await response.json(), cacheControl: response.headers.get("cache-control") });
  return { live: async () => answer(live.GET()), ready: async () => answer(await ready.GET()) };
}

let payram: TestPayram;
beforeAll(async () => {
  payram = await startTestPayram();
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await payram.emulator.close();
});

describeOnEachDatabase("health", (get) => {
  it("is live and ready on a migrated database, and names its engine and PayRam's reachability", async () => {
    const server = await fresh({ DATABASE_URL: get().url, PAYRAM_BASE_URL: payram.emulator.url });
    expect(await server.live()).toEqual({ status: 200, body: { status: "ok", engine: get().dialect }, cacheControl: "no-store" });
    expect(await server.ready()).toEqual({
      status: 200,
      body: { status: "ready", database: "ok", migrations: "current", stopping: false, payram: "reachable" },
      cacheControl: "no-store",
    });
  });

  it("stays ready when PayRam is down, and says so", async () => {
    const server = await fresh({ DATABASE_URL: get().url, PAYRAM_BASE_URL: "http://127.0.0.1:9" });
    expect(await server.ready()).toMatchObject({ status: 200, body: { status: "ready", payram: "unreachable" } });
  });
});

describeOnEachDatabase(
  "health before the migrations ran",
  (get) => {
    it("is live but not ready", async () => {
      const server = await fresh({ DATABASE_URL: get().url, PAYRAM_BASE_URL: payram.emulator.url });
      expect((await server.live()).status).toBe(200);
      // No migration table at all: the schema's state cannot be read.
      expect(await server.ready()).toMatchObject({ status: 503, body: { status: "not ready", database: "ok", migrations: "unknown" } });
      const { migrate } = await import("@/lib/db");
      await migrate(get().db, "0001_initial");
      expect(await server.ready()).toMatchObject({ status: 503, body: { migrations: "behind" } });
    });
  },
  { migrated: false },
);

describe("health without a database", () => {
  it("is live (no database call) but not ready", async () => {
    const server = await fresh({ DATABASE_URL: "postgres://nobody@127.0.0.1:1/x", PAYRAM_BASE_URL: payram.emulator.url });
    expect(await server.live()).toMatchObject({ status: 200, body: { status: "ok", engine: "postgres" } });
    expect(await server.ready()).toMatchObject({ status: 503, body: { status: "not ready", database: "unreachable" } });
  });
});
