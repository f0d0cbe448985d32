import { describe, expect, it, vi } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { emulatorPerFile } from "@/test/emulator-per-file";
import { placeOrder } from "@/test/shop";
import { pollInterval } from "../swr/use-order-status";
import { latestAttempt } from "../payments/attempts";
import type { AttemptState, Order, PaymentAttempt } from "../db/schema";
import { readPaymentStatus } from "../payram/client";
import { orderStatus, POLL_ANSWER_BUDGET_MS, syncUnderWay, toStatusView, type OrderStatusView } from "./status";

// Patient enough for the slow-PayRam tests: a sync outlives the poll's budget but still lands.
const payram = emulatorPerFile({ timeoutMs: 10_000 });

describeOnEachDatabase("the status page's view", (get) => {
  const deps = () => ({ db: get().db, payram: payram.client });

  it("shows what was received and what is left, as decimal strings", async () => {
    const order = await placeOrder(get().db, payram, [["aurora-desk-lamp", 1]]);
    expect(await orderStatus(deps(), order.orderId)).toMatchObject({ state: "OPEN", dueUsd: "89.00", receivedUsd: "0.00", remainingUsd: "89.00", paid: false, canPayAgain: false, payAgain: null });
    await payram.deposit(order.referenceId, "12.34");
    const view = await orderStatus(deps(), order.orderId, { syncIntervalMs: 0 });
    expect(view).toMatchObject({ state: "PARTIALLY_FILLED", receivedUsd: "12.34", remainingUsd: "76.66", checking: false });
    expect(view?.paymentUrl).toMatch(/\/payments\?reference_id=/);
    await payram.deposit(order.referenceId, "80.00");
    expect(await orderStatus(deps(), order.orderId, { syncIntervalMs: 0 })).toMatchObject({ state: "OVER_FILLED", paid: true, surplusUsd: "3.34", remainingUsd: "0.00", paymentUrl: null });
  });

  it("asks PayRam at most once per interval however many pollers, on one instance or several", async () => {
    const order = await placeOrder(get().db, payram);
    await payram.deposit(order.referenceId, "1.00");
    // On Postgres the pollers are spread over three instances; SQLite serves one.
    const handles = get().dialect === "postgres" ? [get().db, get().open(), get().open()] : [get().db];
    const views = await Promise.all(
      Array.from({ length: 50 }, (_, i) => orderStatus({ db: handles[i % handles.length]!, payram: payram.client }, order.orderId, { syncIntervalMs: 60_000 })),
    );
    expect(await payram.statusCalls(order.referenceId)).toBe(1);
    // The one that asked saw the news; the rest served the stored state, fresh or just before it.
    expect(views.some((v) => v?.state === "PARTIALLY_FILLED")).toBe(true);
    expect(await orderStatus(deps(), order.orderId, { syncIntervalMs: 60_000 })).toMatchObject({ state: "PARTIALLY_FILLED" });
    expect(await payram.statusCalls(order.referenceId)).toBe(1);
  });

  it("keeps the last known state and says it is still checking when PayRam errs", async () => {
    const order = await placeOrder(get().db, payram);
    await payram.control("/config", "PUT", { faults: { status: { mode: "500" } } });
    expect(await orderStatus(deps(), order.orderId, { syncIntervalMs: 0 })).toMatchObject({ state: "OPEN", checking: true });
  });

  it("answers within its budget while PayRam is slow, says checking on every poll meanwhile, then shows the news", async () => {
    const order = await placeOrder(get().db, payram);
    await payram.deposit(order.referenceId, "1.00");
    await payram.control("/config", "PUT", { faults: { status: { latencyMs: POLL_ANSWER_BUDGET_MS + 3_500 } } });
    // On Postgres the parallel poll comes through another instance; SQLite serves one.
    const other = get().dialect === "postgres" ? get().open() : get().db;
    const poll = (db = get().db) => orderStatus({ db, payram: payram.client }, order.orderId, { syncIntervalMs: 60_000 });

    const [first, parallel] = await Promise.all([poll(), poll(other)]);
    // Both answered before PayRam did: the deposit is not known yet, and both say so.
    expect(first).toMatchObject({ state: "OPEN", receivedUsd: "0.00", checking: true });
    expect(parallel).toMatchObject({ state: "OPEN", receivedUsd: "0.00", checking: true });
    await vi.waitFor(async () => expect(await payram.statusCalls(order.referenceId)).toBe(1), { timeout: 10_000, interval: 20 });
    // The page's first paint, from the database on either instance, says so too.
    expect(syncUnderWay(other, await latestAttempt(other, order.orderId))).toBe(true);

    const views: OrderStatusView[] = [];
    await vi.waitFor(
      async () => {
        const view = (await poll(views.length % 2 ? other : get().db))!;
        views.push(view);
        expect(view.state).toBe("PARTIALLY_FILLED");
      },
      { timeout: 20_000, interval: 50 },
    );
    // Every poll while the sync was under way said so; the one with the news does not.
    expect(views.slice(0, -1).every((view) => view.state === "OPEN" && view.checking)).toBe(true);
    expect(views.at(-1)).toMatchObject({ receivedUsd: "1.00", checking: false });
    expect(syncUnderWay(other, await latestAttempt(other, order.orderId))).toBe(false);
    expect(await payram.statusCalls(order.referenceId)).toBe(1);
  });

  it("asks again on the next poll after a slow sync failed", async () => {
    const order = await placeOrder(get().db, payram);
    await payram.deposit(order.referenceId, "1.00");
    // One slow refusal (not retried), then PayRam answers.
    await payram.control("/config", "PUT", { faults: { status: { mode: "code5", count: 1, latencyMs: POLL_ANSWER_BUDGET_MS + 1_000 } } });
    expect(await orderStatus(deps(), order.orderId, { syncIntervalMs: 0 })).toMatchObject({ state: "OPEN", checking: true });
    await payram.control("/config", "PUT", { faults: { status: { latencyMs: 0 } } });
    await vi.waitFor(
      async () => expect(await orderStatus(deps(), order.orderId, { syncIntervalMs: 0 })).toMatchObject({ state: "PARTIALLY_FILLED", checking: false }),
      { timeout: 20_000, interval: 50 },
    );
    expect(await payram.statusCalls(order.referenceId)).toBe(2);
  });

  it("stops asking PayRam once the payment is final, and offers to pay again the total, or the remaining amount once part arrived", async () => {
    const order = await placeOrder(get().db, payram);
    await payram.control(`/payments/${order.referenceId}/cancel`, "POST");
    expect(await orderStatus(deps(), order.orderId, { syncIntervalMs: 0 })).toMatchObject({ state: "CANCELLED", canPayAgain: true, payAgain: { kind: "again", amountUsd: "9.49" } });
    const calls = await payram.statusCalls(order.referenceId);
    await orderStatus(deps(), order.orderId, { syncIntervalMs: 0 });
    expect(await payram.statusCalls(order.referenceId)).toBe(calls);

    const partial = await placeOrder(get().db, payram);
    await payram.deposit(partial.referenceId, "1.00");
    await payram.control(`/payments/${partial.referenceId}/cancel`, "POST");
    expect(await orderStatus(deps(), partial.orderId, { syncIntervalMs: 0 })).toMatchObject({
      state: "CANCELLED",
      receivedUsd: "1.00",
      remainingUsd: "8.49",
      canPayAgain: true,
      payAgain: { kind: "remaining", amountUsd: "8.49" },
    });
  });

  it("is null for an unknown or malformed order id", async () => {
    expect(await orderStatus(deps(), "A".repeat(22))).toBeNull();
    expect(await orderStatus(deps(), "../../etc/passwd")).toBeNull();
  });
});

it("polls quickly while a payment may arrive, backs off when nothing happens, and stops when final", () => {
  const now = Date.parse("2026-11-26T12:00:00.000Z");
  const view = (state: OrderStatusView["state"], minutesQuiet: number) =>
    ({ state, paid: false, receivedUsd: "0.00", updatedAt: new Date(now - minutesQuiet * 60_000).toISOString() }) as OrderStatusView;
  expect(pollInterval(view("OPEN", 0), now)).toBe(2_000);
  expect(pollInterval(view("PARTIALLY_FILLED", 5), now)).toBe(5_000);
  expect(pollInterval(view("OPEN", 30), now)).toBe(15_000);
  expect(pollInterval(view("OPEN", 600), now)).toBe(30_000);
  for (const state of ["FILLED", "OVER_FILLED", "CANCELLED", "START_FAILED"] as const) expect(pollInterval(view(state, 0), now)).toBe(0);
});

describe("amounts on a paid order", () => {
  const order = (paid: boolean): Order => ({
    id: "o".repeat(22), number: 1001, checkout_token: null, email: "a@example.com", shipping_name: null, shipping_line1: null, shipping_line2: null,
    shipping_city: null, shipping_region: null, shipping_postal_code: null, shipping_country: null, total_cents: 1200, currency: "USD",
    created_at: "2026-11-29T00:00:00.000Z", updated_at: "2026-11-29T00:00:00.000Z", paid_at: paid ? "2026-11-29T00:01:00.000Z" : null, cancelled_at: null,
    payment_state: paid ? "PAID" : "PARTIALLY_FILLED", received_cents: 1199, mails: 1, client_key: null, stock_released_at: null, locale: "en",
  });
  const attempt = (state: AttemptState, receivedCents: number | null): PaymentAttempt => ({
    id: "a1", order_id: "o".repeat(22), attempt_number: 1, state, reference_id: "ref", payment_url: "https://pay.example.com/payments?reference_id=ref",
    amount_cents: 1200, amount_received_cents: receivedCents, failure_reason: null, created_at: "2026-11-29T00:00:00.000Z", updated_at: "2026-11-29T00:01:00.000Z",
    closed_at: null, payram_amount_cents: 1200, currency: "USDC", network: "BASE", deposit_address: null, last_synced_at: null, next_sync_at: null, quiet_syncs: 0,
    origin: "checkout", credit_cents: receivedCents ?? 0, expires_at: null, confirmations_current: null, confirmations_required: null, unseen_news_at: null,
    received_usd: null, received_at_quote: null,
  });

  const NO_PROGRESS = { revision: "r", awaiting: false, stock: null };

  it("shows what a FILLED payment credits (what PayRam asked), and nothing still to pay", () => {
    // PayRam's FILLED payment reports "11.999999" USD received (a crypto conversion).
    const filled = readPaymentStatus("ref", { paymentState: "FILLED", amountInUSD: "12.00", filledAmountInUSD: "11.999999" })!;
    expect(toStatusView(order(true), [attempt("FILLED", filled.filledCents)], NO_PROGRESS)).toMatchObject({ paid: true, receivedUsd: "12.00", remainingUsd: "0.00" });
    // Whatever rounding leaves between the amounts, a paid order owes nothing.
    expect(toStatusView(order(true), [attempt("FILLED", 1199)], NO_PROGRESS)).toMatchObject({ paid: true, remainingUsd: "0.00" });
    expect(toStatusView(order(false), [attempt("PARTIALLY_FILLED", 1199)], NO_PROGRESS)).toMatchObject({ paid: false, remainingUsd: "0.01" });
  });
});
