import { createHmac, timingSafeEqual } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startReceiver, type Received, type Receiver } from "./testing/receiver";
import { API_KEY, startHarness, waitFor, type Harness } from "./testing/helpers";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterEach(() => h.reset());
afterAll(() => h.close());

const forRef = (ref: string) => h.receiver.received.filter((r) => r.raw.toString("utf8").includes(ref));
const json = (r: Received) => JSON.parse(r.raw.toString("utf8")) as Record<string, unknown>;

/** Recomputed here with node:crypto over the raw received bytes, independently of the emulator's code. */
function signatureMatches(received: Received): boolean {
  const header = received.headers["x-payram-signature"];
  if (typeof header !== "string" || !header.startsWith("sha256=")) return false;
  const expected = Buffer.from(createHmac("sha256", API_KEY).update(received.raw).digest("hex"));
  const given = Buffer.from(header.slice("sha256=".length));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe("payment webhooks", () => {
  it("POSTs the payment payload, signed with HMAC-SHA256 of the raw body and with the legacy API-Key header", async () => {
    const { reference_id: ref } = await h.create({ amountInUSD: 25, invoiceID: "42-1", customerID: "order_42", customerEmail: "x@example.com" });
    h.emulator.deposit(ref, "10");
    h.emulator.deposit(ref, "15");
    await waitFor("two deliveries", () => forRef(ref).length >= 2);
    const [first, second] = forRef(ref).sort((a, b) => String(json(a).status).localeCompare(String(json(b).status)));
    if (!first || !second) throw new Error("missing deliveries");

    for (const r of [first, second]) {
      expect(r.method).toBe("POST");
      expect(r.headers["content-type"]).toBe("application/json");
      expect(r.headers["api-key"]).toBe(API_KEY);
      expect(r.headers["x-webhook-test"]).toBeUndefined();
      expect(signatureMatches(r)).toBe(true);
    }
    expect(json(first)).toEqual({
      reference_id: ref,
      invoice_id: "42-1",
      customer_id: "order_42",
      customer_email: "x@example.com",
      status: "FILLED",
      amount: "25.000000",
      currency: "USDC",
      filled_amount: "25.000000",
      filled_amount_in_usd: "25.00",
      sponsored_amount: "0.000000",
      sponsored_amount_in_usd: "0.00",
      timestamp: expect.any(Number),
      payment_info: [
        { source_address: expect.stringMatching(/^0x[0-9a-f]{40}$/), transaction_hash: expect.stringMatching(/^0x[0-9a-f]{64}$/), destination_address: expect.stringMatching(/^0x[0-9a-f]{40}$/), block_number: expect.any(Number) },
        expect.objectContaining({ transaction_hash: expect.stringMatching(/^0x[0-9a-f]{64}$/) }),
      ],
      confirmation_current: 1,
      confirmation_required: 1,
    });
    expect(Math.abs((json(first).timestamp as number) - Date.now() / 1000)).toBeLessThan(60);
    expect(json(second)).toMatchObject({ status: "PARTIALLY_FILLED", filled_amount_in_usd: "10.00" });
  });

  it("a tampered body or another key does not verify (the check above is real)", async () => {
    const { reference_id: ref } = await h.create();
    h.emulator.deposit(ref, "1");
    const [r] = await waitFor("a delivery", () => (forRef(ref).length ? forRef(ref) : null));
    if (!r) throw new Error("no delivery");
    expect(signatureMatches({ ...r, raw: Buffer.concat([r.raw, Buffer.from(" ")]) })).toBe(false);
    const other = `sha256=${createHmac("sha256", "another-key").update(r.raw).digest("hex")}`;
    expect(signatureMatches({ ...r, headers: { ...r.headers, "x-payram-signature": other } })).toBe(false);
  });

  it("sends numeric amounts when amounts is number", async () => {
    h.emulator.setConfig({ api: { amounts: "number" } });
    const { reference_id: ref } = await h.create({ amountInUSD: 12.34 });
    h.emulator.deposit(ref, "12.35");
    const [r] = await waitFor("a delivery", () => (forRef(ref).length ? forRef(ref) : null));
    if (!r) throw new Error("no delivery");
    expect(json(r)).toMatchObject({ status: "OVER_FILLED", amount: 12.34, filled_amount: 12.35, filled_amount_in_usd: 12.35, sponsored_amount: 0 });
    expect(signatureMatches(r)).toBe(true);
  });

  it("sends GET with a JSON body (Content-Length set) when method is GET", async () => {
    h.emulator.setConfig({ webhooks: { method: "GET" } });
    const { reference_id: ref } = await h.create();
    h.emulator.cancel(ref);
    const [r] = await waitFor("a delivery", () => (forRef(ref).length ? forRef(ref) : null));
    if (!r) throw new Error("no delivery");
    expect(r.method).toBe("GET");
    expect(Number(r.headers["content-length"])).toBe(r.raw.length);
    expect(json(r)).toMatchObject({ reference_id: ref, status: "CANCELLED" });
    expect(signatureMatches(r)).toBe(true);
    expect(r.headers["api-key"]).toBe(API_KEY);
  });

  it("switches the signature and the legacy header independently", async () => {
    h.emulator.setConfig({ webhooks: { signature: false } });
    const a = await h.create();
    h.emulator.cancel(a.reference_id);
    const [onlyKey] = await waitFor("a delivery", () => (forRef(a.reference_id).length ? forRef(a.reference_id) : null));
    expect(onlyKey?.headers["x-payram-signature"]).toBeUndefined();
    expect(onlyKey?.headers["api-key"]).toBe(API_KEY);

    h.emulator.setConfig({ webhooks: { signature: true, legacyApiKeyHeader: false } });
    const b = await h.create();
    h.emulator.cancel(b.reference_id);
    const [onlySignature] = await waitFor("a delivery", () => (forRef(b.reference_id).length ? forRef(b.reference_id) : null));
    expect(onlySignature?.headers["api-key"]).toBeUndefined();
    expect(onlySignature && signatureMatches(onlySignature)).toBe(true);
  });

  it("skips CANCELLED deliveries when sendCancelled is off, and everything when disabled", async () => {
    h.emulator.setConfig({ webhooks: { sendCancelled: false } });
    const a = await h.create();
    h.emulator.cancel(a.reference_id);
    h.emulator.setConfig({ webhooks: { sendCancelled: true, enabled: false } });
    const b = await h.create();
    h.emulator.deposit(b.reference_id, "1");
    const log = h.emulator.deliveries();
    expect(log.map((e) => [e.referenceId, e.outcome, e.error])).toEqual([
      [a.reference_id, "skipped", "sendCancelled is off"],
      [b.reference_id, "skipped", "webhooks are disabled"],
    ]);
    expect([...forRef(a.reference_id), ...forRef(b.reference_id)]).toHaveLength(0);
  });

  it("spells the status CANCELED in webhooks when asked", async () => {
    h.emulator.setConfig({ api: { cancelledSpelling: "CANCELED" } });
    const { reference_id: ref } = await h.create();
    h.emulator.cancel(ref);
    const [r] = await waitFor("a delivery", () => (forRef(ref).length ? forRef(ref) : null));
    expect(r && json(r).status).toBe("CANCELED");
  });
});

describe("retries", () => {
  it("retries on >= 400 along the schedule until a 2xx, and logs every attempt", async () => {
    h.receiver.respondWith((_r, index) => [500, 404, 429][index] ?? 204);
    const { reference_id: ref } = await h.create();
    h.emulator.deposit(ref, "1");
    await waitFor("the fourth attempt", () => forRef(ref).length >= 4);
    const bodies = forRef(ref).map((r) => r.raw.toString("utf8"));
    expect(new Set(bodies).size).toBe(1); // the same bytes each time
    await waitFor("the log", () => h.emulator.deliveries().some((e) => e.outcome === "delivered"));
    const log = h.emulator.deliveries().filter((e) => e.referenceId === ref);
    expect(log.map((e) => [e.attempt, e.responseStatus, e.outcome, e.nextRetryInMs])).toEqual([
      [1, 500, "failed", 20],
      [2, 404, "failed", 40],
      [3, 429, "failed", 80],
      [4, 204, "delivered", null],
    ]);
    expect(new Set(log.map((e) => e.deliveryId)).size).toBe(1);
    // The schedule is respected: the gaps are at least the configured delays.
    const times = forRef(ref).map((r) => r.at);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(15);
    expect((times[3] ?? 0) - (times[2] ?? 0)).toBeGreaterThanOrEqual(75);
  });

  it("gives up after the schedule is exhausted", async () => {
    h.emulator.setConfig({ webhooks: { retryScheduleMs: [5, 5] } });
    h.receiver.respondWith(() => 503);
    const { reference_id: ref } = await h.create();
    h.emulator.deposit(ref, "1");
    await waitFor("three failed attempts", () => h.emulator.deliveries().filter((e) => e.referenceId === ref && e.outcome === "failed").length === 3);
    const last = h.emulator.deliveries().at(-1);
    expect(last).toMatchObject({ attempt: 3, responseStatus: 503, nextRetryInMs: null });
  });

  it("treats a timeout as a failure and retries", async () => {
    h.emulator.setConfig({ webhooks: { timeoutMs: 150 } });
    h.receiver.respondWith((_r, index) => (index === 0 ? "hang" : 200));
    const { reference_id: ref } = await h.create();
    h.emulator.deposit(ref, "1");
    await waitFor("delivered after a timeout", () => h.emulator.deliveries().some((e) => e.referenceId === ref && e.outcome === "delivered"));
    const log = h.emulator.deliveries().filter((e) => e.referenceId === ref);
    expect(log.map((e) => [e.attempt, e.error, e.responseStatus])).toEqual([
      [1, "timeout", null],
      [2, null, 200],
    ]);
  });

  it("never blocks or breaks the API when the receiver is dead", async () => {
    h.emulator.setConfig({ webhooks: { urls: ["http://127.0.0.1:9/dead"], retryScheduleMs: [0] } });
    const { reference_id: ref } = await h.create();
    const started = Date.now();
    expect((await h.control(`/payments/${ref}/deposit`, "POST", { amountInUSD: "1" })).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
    await waitFor("two failed attempts", () => h.emulator.deliveries().filter((e) => e.referenceId === ref).length === 2);
    expect(h.emulator.deliveries().every((e) => e.outcome === "failed" && e.error !== null)).toBe(true);
    expect((await h.status(ref)).paymentState).toBe("PARTIALLY_FILLED");
  });
});

describe("several receivers", () => {
  let second: Receiver;
  beforeAll(async () => {
    second = await startReceiver();
  });
  afterAll(() => second.close());

  it("takes deliveries in turn (round-robin per delivery; retries stay on their URL)", async () => {
    second.clear();
    h.emulator.setConfig({ webhooks: { urls: [h.receiver.url, second.url] } });
    second.respondWith((_r, index) => (index === 0 ? 500 : 200));
    const { reference_id: ref } = await h.create({ amountInUSD: 10 });
    for (const amount of ["1", "1", "1", "1"]) h.emulator.deposit(ref, amount);
    await waitFor("all deliveries", () => forRef(ref).length === 2 && second.received.length === 3);
    await waitFor("the log", () => h.emulator.deliveries().filter((e) => e.outcome === "delivered").length === 4);
    const log = h.emulator.deliveries().filter((e) => e.outcome === "delivered");
    expect(log.filter((e) => e.url === h.receiver.url)).toHaveLength(2);
    expect(log.filter((e) => e.url === second.url)).toHaveLength(2);
  });
});

describe("redeliver, ping and payout events", () => {
  it("redelivers the last webhook byte for byte", async () => {
    const { reference_id: ref } = await h.create();
    expect((await h.control(`/payments/${ref}/redeliver`)).status).toBe(409);
    h.emulator.deposit(ref, "1");
    await waitFor("a delivery", () => forRef(ref).length === 1);
    const res = await h.control(`/payments/${ref}/redeliver`);
    expect(res.status).toBe(202);
    await waitFor("the redelivery", () => forRef(ref).length === 2);
    const [a, b] = forRef(ref);
    expect(b?.raw.equals(a?.raw ?? Buffer.alloc(0))).toBe(true);
    expect(b && signatureMatches(b)).toBe(true);
    await waitFor("the logged redelivery", () => h.emulator.deliveries().some((e) => e.redelivery && e.outcome === "delivered"));
    expect((await h.control("/payments/00000000-0000-4000-8000-000000000000/redeliver")).status).toBe(404);
  });

  it("pings unsigned with X-Webhook-Test and event_type payout.ping", async () => {
    h.receiver.respondWith(() => 202);
    const res = await h.control("/ping");
    expect(res.status).toBe(200);
    const { deliveries } = await res.json();
    expect(deliveries).toEqual([expect.objectContaining({ kind: "ping", responseStatus: 202, outcome: "delivered" })]);
    const r = h.receiver.received.find((received) => received.headers["x-webhook-test"] !== undefined);
    expect(r?.headers["x-webhook-test"]).toBe("true");
    expect(r?.headers["x-payram-signature"]).toBeUndefined();
    expect(r?.headers["api-key"]).toBeUndefined();
    expect(r && json(r)).toMatchObject({ event_type: "payout.ping" });
  });

  it("sends a signed payout event on the same endpoint", async () => {
    const res = await h.control("/payout", "POST", { eventType: "payout.failed" });
    expect(res.status).toBe(202);
    const r = await waitFor("the payout event", () => h.receiver.received.find((received) => received.raw.includes("payout.failed")));
    expect(r && json(r)).toMatchObject({ event_type: "payout.failed", status: "FAILED" });
    expect(r && signatureMatches(r)).toBe(true);
    expect((await h.control("/payout", "POST", { eventType: "refund" })).status).toBe(400);
  });
});

describe("delivery log over HTTP", () => {
  it("lists attempts, filtered by reference", async () => {
    const a = await h.create();
    const b = await h.create();
    h.emulator.cancel(a.reference_id);
    h.emulator.cancel(b.reference_id);
    await waitFor("two deliveries", () => h.emulator.deliveries().length === 2);
    const res = await h.control(`/deliveries?reference_id=${a.reference_id}`, "GET");
    const { deliveries } = await res.json();
    expect(deliveries).toEqual([
      expect.objectContaining({ referenceId: a.reference_id, status: "CANCELLED", method: "POST", attempt: 1, responseStatus: 200, error: null, fault: null, at: expect.any(String) }),
    ]);
  });
});
