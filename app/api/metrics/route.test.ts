import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { startTestPayram, type TestPayram } from "@/test/emulator";
import { placeOrder } from "@/test/shop";

const TOKEN = "metrics-test-token-0123456789";

/** The route as a fresh server loads it, with the given environment. */
async function freshMetrics(env: Record<string, string>) {
  vi.resetModules();
  for (const name of ["db", "metrics", "shop-figures"]) delete (globalThis as Record<symbol, unknown>)[Symbol.for(`payram-storefront.${name}`)];
  vi.unstubAllEnvs();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  const { GET } = await import("./route");
  return async (authorization?: string) => {
    const response = await GET(new Request("http://shop/api/metrics", { headers: authorization ? { authorization } : {} }));
    return { status: response.status, type: response.headers.get("content-type"), text: await response.text() };
  };
}

/** One sample's value from Prometheus's text format. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

let payram: TestPayram;
beforeAll(async () => {
  payram = await startTestPayram();
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await payram.emulator.close();
});

describe("GET /api/metrics", () => {
  it("does not exist without METRICS_TOKEN, and wants the token when there is one", async () => {
    const without = await freshMetrics({ DATABASE_URL: "file::memory:" });
    expect((await without(`Bearer ${TOKEN}`)).status).toBe(404);
    const scrape = await freshMetrics({ DATABASE_URL: "file::memory:", METRICS_TOKEN: TOKEN });
    for (const authorization of [undefined, "Bearer", `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, TOKEN]) {
      expect(await scrape(authorization)).toMatchObject({ status: 401, text: expect.not.stringContaining("shop_") });
    }
  });
});

describeOnEachDatabase("GET /api/metrics on the shop's database", (get) => {
  it("serves the database's figures in Prometheus's text format, read at most every 15 s", async () => {
    const scrape = await freshMetrics({ DATABASE_URL: get().url, METRICS_TOKEN: TOKEN });
    const first = await scrape(`Bearer ${TOKEN}`);
    expect(first.status).toBe(200);
    expect(first.type).toContain("text/plain");
    expect(first.text).toContain("# TYPE shop_webhook_deliveries_total counter");
    const openBefore = sample(first.text, 'shop_orders{payment_state="OPEN"}');
    expect(openBefore).toBeGreaterThanOrEqual(0);

    // A new open payment: not seen by a scrape within 15 s of the last read…
    await placeOrder(get().db, payram);
    expect(sample((await scrape(`Bearer ${TOKEN}`)).text, 'shop_orders{payment_state="OPEN"}')).toBe(openBefore);
    // …and seen once the figures are older than that.
    vi.useFakeTimers({ now: Date.now() + 16_000, toFake: ["Date"] });
    try {
      const later = (await scrape(`Bearer ${TOKEN}`)).text;
      expect(sample(later, 'shop_orders{payment_state="OPEN"}')).toBe(openBefore! + 1);
      expect(sample(later, "shop_open_payment_oldest_age_seconds")).toBeGreaterThanOrEqual(16);
      expect(sample(later, "shop_mail_outbox_unsent")).toBeGreaterThanOrEqual(0);
      expect(sample(later, 'shop_refunds{status="requesting"}')).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
