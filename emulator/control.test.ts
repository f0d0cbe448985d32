import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startHarness, waitFor, type Harness } from "./testing/helpers";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ config: { api: { amounts: "number" } } });
});
afterEach(() => h.reset());
afterAll(() => h.close());

const getJson = async (path: string) => (await h.control(path, "GET")).json();

describe("/__emulator control routes", () => {
  it("need no API key and list themselves", async () => {
    const res = await h.control("", "GET");
    expect(res.status).toBe(200);
    expect((await res.json()).routes.length).toBeGreaterThan(5);
    expect((await h.control("/nothing", "GET")).status).toBe(404);
  });

  it("list every payment with its state and amounts, and show one", async () => {
    const a = await h.create({ amountInUSD: 10, customerID: "order_a" });
    const b = await h.create({ amountInUSD: 20, customerID: "order_b" });
    await h.control(`/payments/${b.reference_id}/deposit`, "POST", { amountInUSD: 5 });
    const { payments } = await getJson("/payments");
    expect(payments).toEqual([
      expect.objectContaining({ referenceId: a.reference_id, state: "OPEN", amountInUSD: "10.00", filledAmountInUSD: "0.00", customerId: "order_a", url: a.url }),
      expect.objectContaining({ referenceId: b.reference_id, state: "PARTIALLY_FILLED", amountInUSD: "20.00", filledAmountInUSD: "5.00", remainingInUSD: "15.00" }),
    ]);
    expect(await getJson(`/payments/${b.reference_id}`)).toMatchObject({ referenceId: b.reference_id, deposits: [expect.objectContaining({ amountInUSD: "5.00" })] });
    expect((await h.control("/payments/unknown", "GET")).status).toBe(404);
  });

  it("GET /config shows the start settings (including options.config)", async () => {
    const config = await getJson("/config");
    expect(config).toMatchObject({
      project: { merchantName: "Lumen Goods", successUrl: "http://localhost:3000/checkout/return", cancelUrl: "http://localhost:3000/checkout/return" },
      api: { statusShape: "camel", amounts: "number", cancelledSpelling: "CANCELLED", urlIncludesHost: false },
      webhooks: { urls: [h.receiver.url], method: "POST", signature: true, legacyApiKeyHeader: true, retryScheduleMs: [20, 40, 80] },
      faults: { seed: 1, create: { mode: "none", rate: 1, count: null, latencyMs: 0 } },
    });
    expect(JSON.stringify(config)).not.toContain("test-key");
  });

  it("PUT /config merges a partial config and replaces arrays", async () => {
    const res = await h.control("/config", "PUT", { webhooks: { method: "GET", retryScheduleMs: [1] }, faults: { status: { latencyMs: 5 } } });
    expect(res.status).toBe(200);
    const config = await res.json();
    expect(config.webhooks).toMatchObject({ method: "GET", signature: true, retryScheduleMs: [1] });
    expect(config.faults.status).toEqual({ mode: "none", rate: 1, count: null, latencyMs: 5 });
    expect((await getJson("/config")).webhooks.method).toBe("GET");
  });

  it.each([
    [{ webhooks: { method: "PATCH" } }, "webhooks.method"],
    [{ faults: { webhooks: { dropRate: 1.5 } } }, "faults.webhooks.dropRate"],
    [{ faults: { create: { count: -1 } } }, "faults.create.count"],
    [{ webhooks: { urls: ["ftp://x"] } }, "webhooks.urls.0"],
    [{ api: { colour: "blue" } }, "api.colour"],
    [[1], "config must be a JSON object"],
  ])("PUT /config answers 400 naming the field for %j", async (patch, field) => {
    const res = await h.control("/config", "PUT", patch);
    expect(res.status).toBe(400);
    expect((await res.json()).error).toContain(field);
    expect((await getJson("/config")).webhooks.method).toBe("POST");
  });

  it("answers 400 for malformed JSON and 413 for oversize control bodies", async () => {
    const bad = await h.request("/__emulator/config", { method: "PUT", key: null, body: "{oops" });
    expect(bad.status).toBe(400);
    const big = await h.request("/__emulator/config", { method: "PUT", key: null, body: JSON.stringify({ x: "y".repeat(80_000) }) });
    expect(big.status).toBe(413);
  });

  it("POST /reset puts payments, deliveries, stats and config back", async () => {
    const { reference_id } = await h.create();
    await h.control(`/payments/${reference_id}/cancel`);
    await h.control("/config", "PUT", { api: { statusShape: "snake" }, faults: { seed: 9 } });
    await waitFor("a delivery", () => h.emulator.deliveries().length > 0);

    const res = await h.control("/reset");
    expect(res.status).toBe(200);
    expect((await getJson("/payments")).payments).toEqual([]);
    expect((await getJson("/deliveries")).deliveries).toEqual([]);
    expect(await getJson("/stats")).toEqual({ total: 0, byEndpoint: {}, byReference: {}, createsByCustomer: {} });
    const config = await getJson("/config");
    expect(config.api).toMatchObject({ statusShape: "camel", amounts: "number" });
    expect(config.faults.seed).toBe(1);
    expect((await h.request(`/api/v1/payment/reference/${reference_id}`)).status).toBe(404);
  });

  it("stats count creates per customer and hosted page views per reference, not control calls", async () => {
    const { reference_id, url } = await h.create({ customerID: "order_s" });
    await h.create({ customerID: "order_s" });
    await fetch(`${h.emulator.url}/payments${new URL(url).search}`);
    await getJson("/payments");
    const stats = await getJson("/stats");
    expect(stats.createsByCustomer).toEqual({ order_s: 2 });
    expect(stats.byReference[reference_id]).toEqual({ "GET /payments": 1 });
    expect(stats.total).toBe(3);
  });
});
