import { afterAll, describe, expect, it, vi } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";

/** Loads the route as the server would, with the given DATABASE_URL in the environment. */
async function healthWith(databaseUrl: string) {
  // A fresh server: new modules, and no database handle yet (lib/server/db.ts keeps it on globalThis).
  vi.resetModules();
  delete (globalThis as Record<symbol, unknown>)[Symbol.for("payram-storefront.db")];
  vi.stubEnv("DATABASE_URL", databaseUrl);
  const { GET } = await import("./route");
  const response = await GET();
  return { status: response.status, body: await response.json(), cacheControl: response.headers.get("cache-control") };
}

afterAll(() => {
  vi.unstubAllEnvs();
});

describeOnEachDatabase("GET /api/health", (get) => {
  it("is 200 when the database answers, and names its engine", async () => {
    expect(await healthWith(get().url)).toEqual({
      status: 200,
      body: { status: "ok", database: "ok", engine: get().dialect },
      cacheControl: "no-store",
    });
  });
});

describe("GET /api/health", () => {
  it("is 503 when the database does not", async () => {
    expect(await healthWith("postgres://nobody@127.0.0.1:1/x")).toMatchObject({
      status: 503,
      body: { status: "unavailable", database: "unreachable" },
    });
  });
});
