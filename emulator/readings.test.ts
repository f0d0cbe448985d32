import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PAYRAM_RETRY_SCHEDULE_MS } from "./runtime-config";
import { API_KEY, nextCustomer, startHarness, waitFor, type Harness } from "./testing/helpers";
import type { Received } from "./testing/receiver";

/** The readings of PayRam's own sources (emulator/README.md, "Readings and profiles"), each a setting. */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterEach(() => h.reset());
afterAll(() => h.close());

const json = (r: Received) => JSON.parse(r.raw.toString("utf8")) as Record<string, unknown>;
const forRef = (ref: string) => h.receiver.received.filter((r) => r.raw.toString("utf8").includes(ref)).map(json);
const configure = (patch: unknown) => {
  const result = h.emulator.setConfig(patch);
  if (!result.ok) throw new Error(result.error);
};
const deposit = async (ref: string, amountInUSD: string) => {
  const res = await h.control(`/payments/${ref}/deposit`, "POST", { amountInUSD });
  expect(res.status).toBe(200);
  return (await res.json()) as { referenceId: string; topUpOf: string | null; state: string; customerId: string; invoiceId: string };
};

describe("a top-up after an underpayment (api.topUp)", () => {
  it("same-reference (default): the second deposit fills the same payment", async () => {
    const { reference_id: ref } = await h.create({ amountInUSD: 10 });
    await deposit(ref, "4");
    const second = await deposit(ref, "6");
    expect(second).toMatchObject({ referenceId: ref, state: "FILLED", topUpOf: null });
  });

  it("new-reference: a new payment request, same customer, no invoice; the first stays PARTIALLY_FILLED", async () => {
    configure({ api: { topUp: "new-reference" } });
    const customer = nextCustomer();
    const { reference_id: ref } = await h.create({ amountInUSD: 10, customerID: customer, invoiceID: "77-1" });
    await deposit(ref, "4");
    const topUp = await deposit(ref, "6");
    expect(topUp).toMatchObject({ topUpOf: ref, state: "FILLED", customerId: customer, invoiceId: "" });
    expect(topUp.referenceId).not.toBe(ref);
    expect(await h.status(ref)).toMatchObject({ paymentState: "PARTIALLY_FILLED", filledAmountInUSD: "4.00", invoiceID: "77-1" });
    expect(await h.status(topUp.referenceId)).toMatchObject({ paymentState: "FILLED", amountInUSD: "6.00", customerID: customer, invoiceID: "" });
    const delivered = await waitFor("the top-up's webhook", () => forRef(topUp.referenceId).find((body) => body.reference_id === topUp.referenceId));
    expect(delivered).toMatchObject({ status: "FILLED", customer_id: customer, invoice_id: "" });
  });

  it("new-reference: the hosted page of a partly paid payment sends the top-up and links the new request", async () => {
    configure({ api: { topUp: "new-reference" } });
    const { reference_id: ref } = await h.create({ amountInUSD: 10 });
    await deposit(ref, "4");
    expect(await (await h.request(`/payments?reference_id=${ref}`)).text()).toContain("a further transfer opens a new payment request");
    const sent = await h.request("/payments/deposit", {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ reference_id: ref, kind: "full" }).toString(),
    });
    const location = sent.headers.get("location") ?? "";
    const topUp = h.emulator.payments().find((payment) => payment.topUpOf === ref);
    expect(topUp).toMatchObject({ state: "FILLED", amountInUSD: "6.00" });
    expect(location).toContain(`topup=${topUp?.referenceId}`);
    const page = await (await h.request(location)).text();
    expect(page).toContain("PayRam opened a new payment request for it:");
    expect(page).toContain(`href="/payments?reference_id=${topUp?.referenceId}"`);
  });
});

describe("what a create cancels (api.cancelOnCreate)", () => {
  async function twoThenCreate(): Promise<{ partial: string; open: string }> {
    const customer = nextCustomer();
    const { reference_id: partial } = await h.create({ customerID: customer });
    await deposit(partial, "1");
    // Under open-only the second create leaves the underpaid first alone, so the third finds both.
    configure({ api: { cancelOnCreate: "open-only" } });
    const { reference_id: open } = await h.create({ customerID: customer });
    return { partial, open };
  }

  it("open-only: OPEN payments are cancelled, PARTIALLY_FILLED ones stay", async () => {
    const { partial, open } = await twoThenCreate();
    await h.create({ customerID: h.emulator.payment(open)?.customerId });
    expect(h.emulator.payment(open)?.state).toBe("CANCELLED");
    expect(h.emulator.payment(partial)?.state).toBe("PARTIALLY_FILLED");
  });

  it("open-and-partially-filled (default): both are cancelled", async () => {
    const { partial, open } = await twoThenCreate();
    configure({ api: { cancelOnCreate: "open-and-partially-filled" } });
    await h.create({ customerID: h.emulator.payment(open)?.customerId });
    expect(h.emulator.payment(open)?.state).toBe("CANCELLED");
    expect(h.emulator.payment(partial)?.state).toBe("CANCELLED");
  });
});

describe("webhook readings", () => {
  it("sendCancelled false keeps expiry silent too: the log says skipped, nothing arrives", async () => {
    configure({ webhooks: { sendCancelled: false } });
    const { reference_id: ref } = await h.create();
    expect((await h.control(`/payments/${ref}/expire`)).status).toBe(200);
    expect(await h.status(ref)).toMatchObject({ paymentState: "CANCELLED" });
    expect(h.emulator.deliveries()).toEqual([expect.objectContaining({ referenceId: ref, status: "CANCELLED", outcome: "skipped", error: "sendCancelled is off" })]);
    expect(h.receiver.received).toHaveLength(0);
  });

  it("the ping: unsigned with X-Webhook-Test by default; empty-key sends it signed with an empty API-Key header", async () => {
    await h.control("/ping");
    const unsigned = h.receiver.received[0];
    expect(unsigned?.headers).toMatchObject({ "x-webhook-test": "true" });
    expect(unsigned?.headers["api-key"]).toBeUndefined();
    expect(unsigned?.headers["x-payram-signature"]).toBeUndefined();

    configure({ webhooks: { ping: "empty-key" } });
    await h.control("/ping");
    const signed = h.receiver.received[1];
    expect(signed?.headers["api-key"]).toBe("");
    expect(signed?.headers["x-webhook-test"]).toBeUndefined();
    expect(signed?.headers["x-payram-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(json(signed as Received)).toMatchObject({ event_type: "payout.ping" });
  });

  it("signature off, legacy header on: only the plain API-Key header", async () => {
    configure({ webhooks: { signature: false, legacyApiKeyHeader: true } });
    const { reference_id: ref } = await h.create();
    h.emulator.deposit(ref, "1");
    await waitFor("the delivery", () => h.receiver.received.length === 1);
    expect(h.receiver.received[0]?.headers["api-key"]).toBe(API_KEY);
    expect(h.receiver.received[0]?.headers["x-payram-signature"]).toBeUndefined();
  });

  it("the full schedule on a scaled clock: 0 s, 2 s, 4 s, 30 min … 48 h, then the delivery is failed", async () => {
    const timeScale = 0.000_001;
    configure({ timeScale, webhooks: { retryScheduleMs: PAYRAM_RETRY_SCHEDULE_MS } });
    h.receiver.respondWith(() => 500);
    const { reference_id: ref } = await h.create();
    h.emulator.deposit(ref, "1");
    const attempts = () => h.emulator.deliveries().filter((entry) => entry.referenceId === ref);
    await waitFor("the delivery to be given up", () => attempts().some((entry) => entry.gaveUp), 10_000);
    expect(attempts().map((entry) => entry.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(attempts().map((entry) => entry.nextRetryInMs)).toEqual([...PAYRAM_RETRY_SCHEDULE_MS.map((ms) => Math.round(ms * timeScale)), null]);
    expect(attempts().map((entry) => entry.gaveUp)).toEqual([...PAYRAM_RETRY_SCHEDULE_MS.map(() => false), true]);
  });
});

describe("status readings", () => {
  it("nullsBeforeAsset: null asset fields until the shopper picks one; bareWholeAmounts: 82 rather than 82.00", async () => {
    configure({ api: { nullsBeforeAsset: true, bareWholeAmounts: true } });
    const { reference_id: ref } = await h.create({ amountInUSD: 82 });
    expect(await h.status(ref)).toMatchObject({ amountInUSD: "82", currencySymbol: null, blockchainSymbol: null, filledAmount: null, depositAddress: null, filledAmountInUSD: null });
    await h.request(`/payments?reference_id=${ref}`);
    expect(await h.status(ref)).toMatchObject({ currencySymbol: "USDC", blockchainSymbol: "BASE", filledAmount: "0", depositAddress: expect.stringMatching(/^0x/) });
    h.emulator.deposit(ref, "40.50");
    expect(await h.status(ref)).toMatchObject({ filledAmount: "40.500000", filledAmountInUSD: "40.50" });
    h.emulator.deposit(ref, "41.50");
    expect(await h.status(ref)).toMatchObject({ filledAmount: "82", filledAmountInUSD: "82", paymentState: "FILLED" });
  });

  it("unknownReference 500: an unknown reference looks like PayRam failing", async () => {
    const unknown = "00000000-0000-4000-8000-000000000000";
    expect((await h.request(`/api/v1/payment/reference/${unknown}`)).status).toBe(404);
    configure({ api: { unknownReference: "500" } });
    const res = await h.request(`/api/v1/payment/reference/${unknown}`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: "Error fetching the payment request" });
  });

  it("UNDEFINED on demand for one reference, until the payment changes", async () => {
    const { reference_id: ref } = await h.create();
    const { reference_id: other } = await h.create();
    expect((await h.control(`/payments/${ref}/undefined`)).status).toBe(200);
    expect(await h.status(ref)).toMatchObject({ paymentState: "UNDEFINED" });
    expect(await h.status(other)).toMatchObject({ paymentState: "OPEN" });
    h.emulator.deposit(ref, "1");
    expect(await h.status(ref)).toMatchObject({ paymentState: "PARTIALLY_FILLED" });
    await h.control(`/payments/${ref}/undefined`, "POST", { on: true });
    await h.control(`/payments/${ref}/undefined`, "POST", { on: false });
    expect(await h.status(ref)).toMatchObject({ paymentState: "PARTIALLY_FILLED" });
  });
});

describe("POST /api/v1/payment/search (our request and answer shape)", () => {
  it("finds a customer's payments by customerID, keys matched case-insensitively", async () => {
    const customer = nextCustomer();
    const { reference_id: first } = await h.create({ customerID: customer });
    const { reference_id: second } = await h.create({ customerID: customer });
    await h.create();
    const res = await h.request("/api/v1/payment/search", { method: "POST", json: { CUSTOMERID: customer } });
    expect(res.status).toBe(200);
    const { payments } = (await res.json()) as { payments: Record<string, unknown>[] };
    expect(payments.map((payment) => payment.referenceID)).toEqual([first, second]);
    expect(payments[0]).toEqual(await h.status(first));
  });

  it("needs the key and a customerID; off answers 404", async () => {
    expect((await h.request("/api/v1/payment/search", { method: "POST", json: { customerID: "x" }, key: null })).status).toBe(401);
    expect((await h.request("/api/v1/payment/search", { method: "POST", json: {} })).status).toBe(400);
    configure({ api: { search: false } });
    expect((await h.request("/api/v1/payment/search", { method: "POST", json: { customerID: "x" } })).status).toBe(404);
  });
});

describe("confirmations", () => {
  it("the state waits while a deposit confirms; progress deliveries rise; the final one has 0 of 0", async () => {
    // 40 s of confirmations with a delivery every 5 s, played 50 times faster.
    configure({ timeScale: 0.02, confirmations: { required: 8, durationMs: 40_000, progressEveryMs: 5_000, progressWithoutPaymentInfoRate: 1 } });
    const { reference_id: ref } = await h.create({ amountInUSD: 10 });
    const answer = await deposit(ref, "10");
    expect(answer.state).toBe("OPEN");
    const during = await h.status(ref);
    expect(during).toMatchObject({ paymentState: "OPEN", filledAmount: "0.000000", filledAmountInUSD: null, confirmationRequired: 8 });
    expect(during.confirmationCurrent).toBeLessThan(8);

    const final = await waitFor("the final delivery", () => forRef(ref).find((body) => body.status === "FILLED"));
    expect(final).toMatchObject({ confirmation_current: 0, confirmation_required: 0, filled_amount_in_usd: "10.00", payment_info: [expect.any(Object)] });
    const progress = forRef(ref).filter((body) => body.status === "OPEN");
    expect(progress.length).toBeGreaterThanOrEqual(2);
    for (const body of progress) {
      expect(body).toMatchObject({ confirmation_required: 8, filled_amount_in_usd: "0.00" });
      expect(body).not.toHaveProperty("payment_info");
    }
    expect(h.emulator.deliveries().filter((entry) => entry.referenceId === ref).map((entry) => [entry.status, entry.progress])).toContainEqual(["OPEN", true]);
    const counts = progress.map((body) => Number(body.confirmation_current));
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(await h.status(ref)).toMatchObject({ paymentState: "FILLED", confirmationCurrent: 8, confirmationRequired: 8 });
  });

  it("progress deliveries carry the confirming transfer in payment_info unless left out", async () => {
    configure({ timeScale: 0.01, confirmations: { required: 4, durationMs: 20_000, progressEveryMs: 5_000, progressWithoutPaymentInfoRate: 0 } });
    const { reference_id: ref } = await h.create({ amountInUSD: 10 });
    await deposit(ref, "3");
    await waitFor("the final delivery", () => forRef(ref).some((body) => body.status === "PARTIALLY_FILLED"));
    const progress = forRef(ref).filter((body) => body.status === "OPEN");
    expect(progress.length).toBeGreaterThanOrEqual(1);
    for (const body of progress) expect(body.payment_info).toEqual([expect.objectContaining({ transaction_hash: expect.stringMatching(/^0x/) })]);
  });
});

describe("profiles", () => {
  it("docs-2026 is the default; connector-2026 bundles reading B; the config and the hosted page say which runs", async () => {
    expect(h.emulator.config()).toMatchObject({ profile: "docs-2026", api: { topUp: "same-reference", unknownReference: "404" } });
    const b = await startHarness({ profile: "connector-2026" });
    try {
      const config = (await (await b.control("/config", "GET")).json()) as Record<string, unknown>;
      expect(config).toMatchObject({
        profile: "connector-2026",
        api: { topUp: "new-reference", cancelOnCreate: "open-only", nullsBeforeAsset: true, bareWholeAmounts: true, unknownReference: "500" },
        webhooks: { sendCancelled: false, ping: "empty-key", signature: false, legacyApiKeyHeader: true },
        confirmations: { progressEveryMs: 3_000 },
      });
      const { reference_id: ref } = await b.create();
      expect(await (await b.request(`/payments?reference_id=${ref}`)).text()).toContain('<span id="emulator-profile">connector-2026</span>');
      const refused = await b.control("/config", "PUT", { profile: "docs-2026" });
      expect(refused.status).toBe(400);
      b.reset();
      expect(b.emulator.config().profile).toBe("connector-2026");
    } finally {
      await b.close();
    }
  });
});
