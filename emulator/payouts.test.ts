import { createHmac, timingSafeEqual } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { compareDecimal, formatDecimal, multiplyDecimal, parseDecimal, roundDecimal } from "./decimal";
import type { Received } from "./testing/receiver";
import { API_KEY, startHarness, waitFor, type Harness } from "./testing/helpers";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterEach(() => h.reset());
afterAll(() => h.close());

/** A valid EVM address and a real TRON address (base58check), written here rather than derived from the emulator's code. */
const EVM = "0x52908400098527886E0F7030069857D2E4169EE7";
const TRON = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";

type Payout = Record<string, unknown> & { id: number; status: string };

let emails = 0;
const payoutBody = (overrides: Record<string, unknown> = {}) => ({
  email: `shopper${++emails}@example.com`,
  blockchainCode: "BASE",
  currencyCode: "USDC",
  amount: "10.5",
  toAddress: EVM,
  customerID: "order_1",
  ...overrides,
});

const post = (body: unknown, headers: Record<string, string> = {}, init: { signal?: AbortSignal; key?: string | null } = {}) =>
  h.request("/api/v1/withdrawal/merchant", { method: "POST", json: body, headers, ...init });

async function createPayout(overrides: Record<string, unknown> = {}, key: string | null = `key-${Math.random()}`): Promise<Payout> {
  const res = await post(payoutBody(overrides), key === null ? {} : { "Idempotency-Key": key });
  if (res.status !== 201) throw new Error(`payout create answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Payout;
}

const act = (id: number, action: string, body?: unknown) => h.control(`/payouts/${id}/${action}`, "POST", body);
const read = async (id: number) => (await h.request(`/api/v1/withdrawal/${id}/merchant`)).json() as Promise<Payout>;
const json = (r: Received) => JSON.parse(r.raw.toString("utf8")) as Record<string, unknown>;
const payoutEvents = (id: number) => h.receiver.received.filter((r) => json(r).payout_id === id);

function signatureMatches(received: Received): boolean {
  const header = received.headers["x-payram-signature"];
  if (typeof header !== "string" || !header.startsWith("sha256=")) return false;
  const expected = Buffer.from(createHmac("sha256", API_KEY).update(received.raw).digest("hex"));
  const given = Buffer.from(header.slice("sha256=".length));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe("ticker", () => {
  it("is public and lists each network and token with its price and walletPrecision; stablecoins at 1.0, no BTC", async () => {
    const res = await h.request("/api/v1/ticker", { key: null });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: { blockchainCode: string; currencyCode: string; price: string; walletPrecision: number }[] };
    expect(data).toContainEqual({ blockchainCode: "BASE", currencyCode: "USDC", price: "1.0", walletPrecision: 6 });
    expect(data).toContainEqual({ blockchainCode: "TRX", currencyCode: "USDT", price: "1.0", walletPrecision: 6 });
    expect(data).toContainEqual({ blockchainCode: "ETH", currencyCode: "ETH", price: "3000.00", walletPrecision: 8 });
    expect(data).toContainEqual({ blockchainCode: "POLYGON", currencyCode: "POL", price: "0.50", walletPrecision: 8 });
    expect(new Set(data.map((row) => row.blockchainCode))).toEqual(new Set(["ETH", "BASE", "POLYGON", "TRX"]));
    expect(data.some((row) => row.currencyCode === "BTC")).toBe(false);
    for (const row of data) expect(row.price).toMatch(/^\d+\.\d+$/);

    h.emulator.setConfig({ payouts: { prices: { ETH: "2512.34" } } });
    const after = (await (await h.request("/api/v1/ticker", { key: null })).json()) as { data: { currencyCode: string; price: string }[] };
    expect(after.data.find((row) => row.currencyCode === "ETH")?.price).toBe("2512.34");
  });
});

describe("create", () => {
  it("answers 201 with the payout: amount at walletPrecision, USD value, auto-approved as pending", async () => {
    const payout = await createPayout({ amount: "10.5", mobileNumber: "+15555555555" });
    expect(payout).toEqual({
      id: expect.any(Number),
      status: "pending",
      email: expect.stringMatching(/@example\.com$/),
      customerID: "order_1",
      blockchainCode: "BASE",
      currencyCode: "USDC",
      amount: "10.500000",
      amountInUSD: "10.50",
      toAddress: EVM,
      fromAddress: expect.stringMatching(/^0x[0-9a-f]{40}$/),
      mobileNumber: "+15555555555",
      residentialAddress: null,
      txHash: null,
      failureReason: null,
      webhookStatus: expect.any(String),
      withdrawalType: "payout_merchant",
      attributes: { approvalReason: null },
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
      updatedAt: expect.any(String),
    });
  });

  it("needs the API key (Bearer is not accepted)", async () => {
    const unauthorised = { error: { code: "UNAUTHORIZED", message: "Unauthorised access!" } };
    const noKey = await post(payoutBody(), {}, { key: null });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toEqual(unauthorised);
    expect((await post(payoutBody(), { Authorization: `Bearer ${API_KEY}` }, { key: null })).status).toBe(401);
    expect((await post(payoutBody(), {}, { key: "wrong" })).status).toBe(401);
    expect((await h.request("/api/v1/withdrawal/merchant", { key: null })).status).toBe(401);
    expect((await h.request("/api/v1/withdrawal/101/merchant", { key: null })).status).toBe(401);
    expect(h.emulator.payouts()).toHaveLength(0);
  });

  it("the same Idempotency-Key twice gives one payout and the same body", async () => {
    const body = payoutBody();
    const first = await post(body, { "Idempotency-Key": "refund-42-1" });
    const second = await post(body, { "Idempotency-Key": "refund-42-1" });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    // The same payout, as it is now: only webhookStatus may have moved on (its webhook was answered meanwhile).
    const original = (await first.json()) as Payout;
    expect(await second.json()).toEqual({ ...original, webhookStatus: expect.stringMatching(/^(pending|delivered)$/) });
    expect(h.emulator.payouts()).toHaveLength(1);
    expect(h.emulator.payouts()[0]).toMatchObject({ idempotencyKey: "refund-42-1", idempotencyKeySource: "header" });
    // Even with another body, the key returns the payout it created: never a second one.
    const other = await post(payoutBody({ amount: "99" }), { "Idempotency-Key": "refund-42-1" });
    expect(((await other.json()) as Payout).amount).toBe("10.500000");
    expect(h.emulator.payouts()).toHaveLength(1);
  });

  it("takes the key from the body's idempotencyKey too; the header wins", async () => {
    const a = await post(payoutBody({ idempotencyKey: "body-key" }));
    const again = await post(payoutBody({ idempotencyKey: "body-key" }));
    expect(((await again.json()) as Payout).id).toBe(((await a.json()) as Payout).id);
    const b = await post(payoutBody({ idempotencyKey: "body-key" }), { "Idempotency-Key": "header-key" });
    expect(b.status).toBe(201);
    expect(h.emulator.payouts().map((p) => [p.idempotencyKey, p.idempotencyKeySource])).toEqual([
      ["body-key", "body"],
      ["header-key", "header"],
    ]);
  });

  it("without a key, an identical payout within the window is 409 PAYOUT_DUPLICATE_REQUEST", async () => {
    const body = payoutBody({ amount: "12.5" });
    expect((await post(body)).status).toBe(201);
    // Same address (EVM addresses in any case), same amount written otherwise, same currency and chain.
    const duplicate = await post({ ...body, toAddress: EVM.toLowerCase(), amount: "12.500" });
    expect(duplicate.status).toBe(409);
    expect(await duplicate.json()).toEqual({ error: { code: "PAYOUT_DUPLICATE_REQUEST", message: expect.any(String) } });
    // Another amount, or a key, is a new payout.
    expect((await post({ ...body, amount: "12.51" })).status).toBe(201);
    expect((await post(body, { "Idempotency-Key": "deliberate-second" })).status).toBe(201);
    expect(h.emulator.payouts()).toHaveLength(3);

    h.emulator.setConfig({ payouts: { duplicateWindowMs: 30 } });
    const later = payoutBody({ amount: "13" });
    expect((await post(later)).status).toBe(201);
    // Refused (409, nothing created) until the window has passed, then created.
    await waitFor("the duplicate window to pass", async () => (await post(later)).status === 201);
    expect(h.emulator.payouts()).toHaveLength(5);
  });

  it.each([
    [{ email: "not-an-email" }, "INVALID_REQUEST", /email/],
    [{ email: undefined }, "INVALID_REQUEST", /email is required/],
    [{ blockchainCode: "BTC", currencyCode: "BTC" }, "INVALID_REQUEST", /blockchainCode .*BTC payouts are not supported/],
    [{ currencyCode: "DOGE" }, "INVALID_REQUEST", /currencyCode/],
    [{ blockchainCode: "TRX", currencyCode: "USDC", toAddress: TRON }, "INVALID_REQUEST", /USDC is not available on TRX/],
    [{ toAddress: "0x1234" }, "INVALID_REQUEST", /toAddress is not a valid BASE address/],
    [{ toAddress: TRON }, "INVALID_REQUEST", /toAddress/],
    [{ blockchainCode: "TRX", currencyCode: "USDT", toAddress: EVM }, "INVALID_REQUEST", /valid TRX address/],
    [{ blockchainCode: "TRX", currencyCode: "USDT", toAddress: `${TRON.slice(0, -1)}u` }, "INVALID_REQUEST", /valid TRX address/],
    [{ amount: 10.5 }, "INVALID_REQUEST", /amount must be a decimal string/],
    [{ amount: "0" }, "INVALID_REQUEST", /greater than 0/],
    [{ amount: "-5" }, "INVALID_REQUEST", /amount/],
    [{ amount: "1e3" }, "INVALID_REQUEST", /amount/],
    [{ amount: "10.1234567" }, "INVALID_REQUEST", /more than 6 decimals/],
    [{ amount: "0.99" }, "PAYOUT_AMOUNT_BELOW_MINIMUM", /minimum/],
    [{ blockchainCode: "ETH", currencyCode: "ETH", amount: "0.0003" }, "PAYOUT_AMOUNT_BELOW_MINIMUM", /minimum/],
  ])("refuses %j with 400 %s", async (overrides, code, message) => {
    const res = await post(payoutBody(overrides));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message).toMatch(message);
    expect(h.emulator.payouts()).toHaveLength(0);
  });

  it("accepts a real TRON address and matches keys case-insensitively", async () => {
    const payout = await createPayout({ blockchainCode: "trx", currencyCode: "usdt", toAddress: TRON });
    expect(payout).toMatchObject({ blockchainCode: "TRX", currencyCode: "USDT", toAddress: TRON, fromAddress: expect.stringMatching(/^T/) });
    const res = await post({ EMAIL: "a@example.com", blockChainCode: "BASE", CurrencyCode: "USDC", Amount: "2", toaddress: EVM, customerId: "order_9" });
    expect(res.status).toBe(201);
  });

  it("a disabled currency is 400 PAYOUT_CURRENCY_DISABLED; a missing customerID is a 500 and creates nothing", async () => {
    h.emulator.setConfig({ payouts: { disabled: ["POLYGON:USDT"] } });
    const disabled = await post(payoutBody({ blockchainCode: "POLYGON", currencyCode: "USDT" }));
    expect(disabled.status).toBe(400);
    expect(((await disabled.json()) as { error: { code: string } }).error.code).toBe("PAYOUT_CURRENCY_DISABLED");
    const noCustomer = await post(payoutBody({ customerID: undefined }));
    expect(noCustomer.status).toBe(500);
    expect(await noCustomer.json()).toEqual({ code: 5, message: expect.any(String) });
    const malformed = await h.request("/api/v1/withdrawal/merchant", { method: "POST", body: "{nope", headers: { "Content-Type": "application/json" } });
    expect(malformed.status).toBe(400);
    expect(h.emulator.payouts()).toHaveLength(0);
  });
});

describe("approval", () => {
  it("auto-approves up to the limit and holds what is above it in pending-approval", async () => {
    expect((await createPayout({ amount: "500" })).status).toBe("pending");
    const over = await createPayout({ amount: "500.000001" });
    expect(over).toMatchObject({ status: "pending-approval", attributes: { approvalReason: expect.stringContaining("auto-approve limit of $500.00") } });
    // USD value through the ticker price: 0.2 ETH × 3000 = 600.
    expect((await createPayout({ blockchainCode: "ETH", currencyCode: "ETH", amount: "0.2" })).status).toBe("pending-approval");
    expect((await createPayout({ blockchainCode: "ETH", currencyCode: "ETH", amount: "0.1" })).amountInUSD).toBe("300.00");

    h.emulator.setConfig({ payouts: { autoApproveLimitUsd: "20" } });
    expect((await createPayout({ amount: "20.01" })).status).toBe("pending-approval");
    expect((await createPayout({ amount: "20" })).status).toBe("pending");
  });

  it("holds payouts over the hourly limit (rejected ones do not count)", async () => {
    h.emulator.setConfig({ payouts: { hourlyLimitUsd: "100" } });
    expect((await createPayout({ amount: "60" })).status).toBe("pending");
    const second = await createPayout({ amount: "50" });
    expect(second).toMatchObject({ status: "pending-approval", attributes: { approvalReason: expect.stringContaining("hourly") } });
    expect((await act(second.id, "reject")).status).toBe(200);
    expect((await createPayout({ amount: "40" })).status).toBe("pending");
  });
});

describe("lifecycle", () => {
  it("approve → initiate (txHash) → send → process, each step signed on the webhook, GET follows", async () => {
    const payout = await createPayout({ amount: "600" });
    expect(payout.status).toBe("pending-approval");
    const steps: [string, string, string][] = [
      ["approve", "pending", "payout.approved"],
      ["initiate", "initiated", "payout.initiated"],
      ["send", "sent", "payout.sent"],
      ["process", "processed", "payout.processed"],
    ];
    for (const [action, status] of steps) {
      const res = await act(payout.id, action);
      expect(res.status).toBe(200);
      expect(((await res.json()) as Payout).status).toBe(status);
      expect((await read(payout.id)).status).toBe(status);
    }
    const done = await read(payout.id);
    expect(done.txHash).toMatch(/^0x[0-9a-f]{64}$/);

    const events = await waitFor("five payout webhooks", () => (payoutEvents(payout.id).length >= 5 ? payoutEvents(payout.id) : null));
    expect(events.map((r) => json(r).event_type).sort()).toEqual(
      ["payout.pending-approval", ...steps.map(([, , event]) => event)].sort(),
    );
    for (const r of events) {
      expect(r.method).toBe("POST");
      expect(r.headers["api-key"]).toBe(API_KEY);
      expect(signatureMatches(r)).toBe(true);
    }
    const processed = events.find((r) => json(r).event_type === "payout.processed");
    expect(processed && json(processed)).toEqual({
      event_type: "payout.processed",
      payout_id: payout.id,
      network: "BASE",
      token: "USDC",
      amount: "600.000000",
      amount_usd: "600.00",
      email: payout.email,
      address: EVM,
      from_address: payout.fromAddress,
      tx_hash: done.txHash,
      status: "PROCESSED",
      withdrawal_type: "payout_merchant",
      currency_type: "stablecoin",
      created_at: payout.createdAt,
      updated_at: expect.any(String),
      timestamp: expect.any(Number),
      failure_reason: null,
    });
    const initiated = events.find((r) => json(r).event_type === "payout.initiated");
    expect(initiated && json(initiated)).toMatchObject({ status: "INITIATED", tx_hash: done.txHash });
    expect(h.emulator.payout(payout.id)?.history.map((entry) => entry.status)).toEqual(["pending-approval", "pending", "initiated", "sent", "processed"]);
    await waitFor("webhookStatus delivered", async () => (await read(payout.id)).webhookStatus === "delivered");
  });

  it("an auto-approved payout announces payout.approved", async () => {
    const payout = await createPayout();
    const [event] = await waitFor("the webhook", () => (payoutEvents(payout.id).length ? payoutEvents(payout.id) : null));
    expect(event && json(event)).toMatchObject({ event_type: "payout.approved", status: "APPROVED", tx_hash: null });
  });

  it("reject, fail (with a reason) and cancel end a payout; final statuses never move", async () => {
    const rejected = await createPayout({ amount: "700" });
    expect(await (await act(rejected.id, "reject", { reason: "wrong wallet" })).json()).toMatchObject({ status: "rejected", failureReason: "wrong wallet" });

    const failed = await createPayout({ amount: "20" });
    await act(failed.id, "initiate");
    expect(await (await act(failed.id, "fail", { reason: "out of gas" })).json()).toMatchObject({ status: "failed", failureReason: "out of gas" });
    const failedEvent = await waitFor("payout.failed", () => payoutEvents(failed.id).find((r) => json(r).event_type === "payout.failed"));
    expect(json(failedEvent)).toMatchObject({ status: "FAILED", failure_reason: "out of gas" });

    const cancelled = await createPayout({ amount: "30" });
    expect(await (await act(cancelled.id, "cancel")).json()).toMatchObject({ status: "cancelled" });

    const processed = await createPayout({ amount: "40" });
    for (const action of ["initiate", "send", "process"]) await act(processed.id, action);

    const illegal: [number, string][] = [
      [processed.id, "fail"],
      [processed.id, "cancel"],
      [processed.id, "initiate"],
      [rejected.id, "approve"],
      [failed.id, "process"],
      [cancelled.id, "initiate"],
    ];
    for (const [id, action] of illegal) {
      const res = await act(id, action);
      expect(res.status, `${action} on ${id}`).toBe(409);
      expect(await res.json()).toMatchObject({ error: expect.stringContaining(`cannot ${action}`) });
    }
    expect((await read(processed.id)).status).toBe("processed");
    expect((await read(failed.id)).status).toBe("failed");
  });

  it("refuses steps out of order", async () => {
    const pending = await createPayout();
    expect((await act(pending.id, "approve")).status).toBe(409);
    expect((await act(pending.id, "send")).status).toBe(409);
    expect((await act(pending.id, "process")).status).toBe(409);
    expect((await act(pending.id, "reject")).status).toBe(409);
    const held = await createPayout({ amount: "800" });
    expect((await act(held.id, "initiate")).status).toBe(409);
    expect((await act(held.id, "fail")).status).toBe(409);
    expect((await act(999_999, "approve")).status).toBe(404);
    expect((await act(pending.id, "fail", { reason: 5 })).status).toBe(400);
  });
});

describe("read and list", () => {
  it("GET one; an unknown id is 404 {message: not found}", async () => {
    const payout = await createPayout();
    expect(await read(payout.id)).toEqual({ ...payout, webhookStatus: expect.any(String) });
    for (const id of ["999999", "abc"]) {
      const res = await h.request(`/api/v1/withdrawal/${id}/merchant`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ message: "not found" });
    }
  });

  it("lists with limit, offset, order and sortBy", async () => {
    const created = [];
    for (const amount of ["3", "1", "2"]) created.push(await createPayout({ amount }));
    const list = async (query: string) => {
      const res = await h.request(`/api/v1/withdrawal/merchant${query}`);
      expect(res.status).toBe(200);
      return (await res.json()) as { data: Payout[]; total: number; limit: number; offset: number };
    };
    const all = await list("");
    expect(all).toMatchObject({ total: 3, limit: 10, offset: 0 });
    expect(all.data.map((p) => p.id)).toEqual(created.map((p) => p.id).reverse());
    expect((await list("?order=asc&limit=2")).data.map((p) => p.id)).toEqual(created.slice(0, 2).map((p) => p.id));
    expect((await list("?order=asc&limit=2&offset=2")).data.map((p) => p.id)).toEqual([created[2]?.id]);
    expect((await list("?sortBy=amount&order=asc")).data.map((p) => p.amount)).toEqual(["1.000000", "2.000000", "3.000000"]);
    for (const bad of ["?limit=0", "?limit=x", "?order=up", "?sortBy=colour"]) {
      const res = await h.request(`/api/v1/withdrawal/merchant${bad}`);
      expect(res.status, bad).toBe(400);
    }
  });
});

describe("faults", () => {
  it("hang: the create never answers but the payout exists; a retry with the same key returns it", async () => {
    expect((await h.control("/config", "PUT", { faults: { payouts: { mode: "hang", count: 1 } } })).status).toBe(200);
    const body = payoutBody();
    await expect(post(body, { "Idempotency-Key": "timeout-1" }, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    expect(h.emulator.payouts()).toMatchObject([{ idempotencyKey: "timeout-1", status: "pending" }]);
    const retry = await post(body, { "Idempotency-Key": "timeout-1" });
    expect(retry.status).toBe(201);
    expect(((await retry.json()) as Payout).id).toBe(h.emulator.payouts()[0]?.id);
    expect(h.emulator.payouts()).toHaveLength(1);
    expect(h.emulator.config().faults.payouts.mode).toBe("none");
  });

  it("503 EXCHANGE_RATE_UNAVAILABLE creates nothing; once the fault is spent the same call succeeds", async () => {
    await h.control("/config", "PUT", { faults: { payouts: { mode: "503", count: 1 } } });
    const first = await post(payoutBody(), { "Idempotency-Key": "rate-1" });
    expect(first.status).toBe(503);
    expect(await first.json()).toEqual({ error: { code: "EXCHANGE_RATE_UNAVAILABLE", message: expect.any(String) } });
    expect(h.emulator.payouts()).toHaveLength(0);
    expect((await post(payoutBody(), { "Idempotency-Key": "rate-1" })).status).toBe(201);
    expect(h.emulator.payouts()).toHaveLength(1);
  });

  it("rejects a fault mode payouts do not have", async () => {
    const res = await h.control("/config", "PUT", { faults: { payouts: { mode: "code5" } } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain("faults.payouts.mode");
  });
});

describe("payout webhooks", () => {
  it("are retried after a 5xx with the same bytes, and logged as kind payout", async () => {
    h.receiver.respondWith((_r, index) => (index === 0 ? 503 : 200));
    const payout = await createPayout();
    const [first, second] = await waitFor("a retry", () => (payoutEvents(payout.id).length >= 2 ? payoutEvents(payout.id) : null));
    expect(second?.raw.equals(first?.raw ?? Buffer.alloc(0))).toBe(true);
    expect(second && signatureMatches(second)).toBe(true);
    // The receiver has the retry's bytes before the emulator has logged its answer: wait for the log.
    const log = await waitFor("the retry's log entry", () => {
      const entries = h.emulator.deliveries().filter((entry) => entry.referenceId === String(payout.id));
      return entries.length >= 2 ? entries : null;
    });
    expect(log.map((entry) => [entry.kind, entry.status, entry.attempt, entry.outcome, entry.responseStatus])).toEqual([
      ["payout", "payout.approved", 1, "failed", 503],
      ["payout", "payout.approved", 2, "delivered", 200],
    ]);
  });

  it("give up after payouts.webhookRetries retries (§9: 0/2/4 s, the start of the schedule)", async () => {
    h.emulator.setConfig({ payouts: { webhookRetries: 1 } });
    h.receiver.respondWith(() => 500);
    const payout = await createPayout();
    await waitFor("the delivery to give up", () => h.emulator.deliveries().some((entry) => entry.referenceId === String(payout.id) && entry.gaveUp));
    expect(payoutEvents(payout.id)).toHaveLength(2);
    expect((await read(payout.id)).webhookStatus).toBe("failed");
    expect((await h.control(`/payouts/${payout.id}/redeliver`)).status).toBe(202);
  });

  it("go through the webhook faults (a duplicate) and honour webhooks.enabled", async () => {
    h.emulator.setConfig({ faults: { webhooks: { duplicateRate: 1 } } });
    const payout = await createPayout();
    await waitFor("two copies", () => payoutEvents(payout.id).length === 2);
    h.emulator.setConfig({ faults: { webhooks: { duplicateRate: 0 } }, webhooks: { enabled: false } });
    await act(payout.id, "initiate");
    expect(h.emulator.deliveries().filter((entry) => entry.status === "payout.initiated")).toMatchObject([{ kind: "payout", referenceId: String(payout.id), outcome: "skipped" }]);
    const approved = h.emulator.deliveries().filter((entry) => entry.status === "payout.approved");
    expect(approved.every((entry) => entry.kind === "payout")).toBe(true);
  });
});

describe("control", () => {
  it("lists every payout with its status and Idempotency-Key; reset clears them", async () => {
    const a = await createPayout({}, "k-a");
    const b = await createPayout({ amount: "900" }, null);
    const res = await h.control("/payouts", "GET");
    const { payouts } = (await res.json()) as { payouts: Payout[] };
    expect(payouts.map((p) => [p.id, p.status, p.idempotencyKey])).toEqual([
      [a.id, "pending", "k-a"],
      [b.id, "pending-approval", null],
    ]);
    expect(await (await h.control(`/payouts/${a.id}`, "GET")).json()).toMatchObject({ id: a.id, history: [{ status: "pending" }] });
    expect((await h.control("/payouts/424242", "GET")).status).toBe(404);
    h.emulator.reset();
    expect(h.emulator.payouts()).toEqual([]);
    // A key from before the reset is free again, and ids are never reused.
    expect((await createPayout({}, "k-a")).id).toBeGreaterThan(b.id);
  });
});

describe("exact decimals", () => {
  const d = (text: string) => {
    const value = parseDecimal(text);
    if (!value) throw new Error(`not a decimal: ${text}`);
    return value;
  };
  it("parse, compare, multiply and round half-up without floats", () => {
    for (const bad of ["", "-1", "1e3", "1.", ".5", " 1", "0x10", "1,5"]) expect(parseDecimal(bad), bad).toBeNull();
    expect(compareDecimal(d("12.5"), d("12.500000"))).toBe(0);
    expect(compareDecimal(d("500.000001"), d("500.00"))).toBe(1);
    // 0.1 + 0.2 style traps: 0.000333 ETH × 3000.00 is exactly 0.99900000.
    expect(formatDecimal(multiplyDecimal(d("0.000333"), d("3000.00")))).toBe("0.99900000");
    expect(formatDecimal(roundDecimal(d("1.005"), 2))).toBe("1.01");
    expect(formatDecimal(roundDecimal(d("1.0049"), 2))).toBe("1.00");
    expect(formatDecimal(roundDecimal(d("10.5"), 6))).toBe("10.500000");
    expect(formatDecimal(d("123456789012345678.123456789012345678"))).toBe("123456789012345678.123456789012345678");
  });
});
