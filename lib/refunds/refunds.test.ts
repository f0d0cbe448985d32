import { describe, expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { emulatorPerFile } from "@/test/emulator-per-file";
import { placeOrder, syncDepsFor } from "@/test/shop";
import { cancelOrder } from "../orders/cancel";
import type { Db } from "../db";
import { markShipped } from "../orders/fulfilment";
import { orderStatus } from "../views/status";
import { syncPayment } from "../payments/sync";
import { createPayramClient } from "../payram/client";
import { customerIdFor } from "../payram/ids";
import { applyPayout, endRefund, newRefundFormToken, payoutNews, refundFormSchema, requestRefund, sendRefund, syncOpenRefunds, type RefundForm } from "./index";

const payram = emulatorPerFile();
/** EIP-55's first test vector: a valid, checksummed address. */
const WALLET = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

interface EmulatorPayout {
  id: string | number;
  status: string;
  amount: string;
  toAddress: string;
  idempotencyKey: string | null;
}
const payouts = async () => (await payram.control<{ payouts: EmulatorPayout[] }>("/payouts")).payouts;
/** Payout creates PayRam has been sent so far. */
const payoutCreates = async () => (await payram.control<{ byEndpoint: Record<string, number> }>("/stats")).byEndpoint["POST /api/v1/withdrawal/merchant"] ?? 0;

describeOnEachDatabase("refunds", (get) => {
  const deps = (db: Db = get().db) => syncDepsFor(db, payram);
  /** An order overpaid by $2.51 ($12.00 for $9.49). */
  async function overpaid() {
    const order = await placeOrder(get().db, payram);
    await payram.deposit(order.referenceId, "12.00");
    await syncPayment(deps(), { referenceId: order.referenceId }, "webhook");
    return order;
  }
  /** An overpaid order whose refund's create timed out after PayRam made the payout: the row waits, requesting. */
  async function timedOutRefund() {
    const order = await overpaid();
    await payram.control("/config", "PUT", { faults: { payouts: { mode: "hang" } } });
    const first = await requestRefund(deps(), form(order.orderId));
    await payram.control("/config", "PUT", { faults: { payouts: { mode: "none" } } });
    if (!first.ok) throw new Error(first.error);
    return { order, first };
  }
  /** As if the refund had waited over an hour for PayRam's answer. */
  async function anHourOld(refundId: string) {
    const anHourAgo = new Date(Date.now() - 61 * 60_000).toISOString();
    await get().db.updateTable("refunds").set({ created_at: anHourAgo, last_sent_at: anHourAgo }).where("id", "=", refundId).execute();
  }
  const form = (orderId: string, fields: Partial<RefundForm> = {}): RefundForm => ({
    orderId,
    formToken: newRefundFormToken(),
    network: "ETH",
    token: "USDC",
    address: WALLET,
    amount: 251,
    ...fields,
  });

  it("refunds an overpayment's surplus: one payout at PayRam with the stored key, for the exact token amount", async () => {
    const order = await overpaid();
    const result = await requestRefund(deps(), form(order.orderId));
    expect(result).toMatchObject({ ok: true, refund: { status: "pending", amount_cents: 251, crypto_amount: "2.510000" } });
    if (!result.ok) return;
    const made = await payouts();
    expect(made.map((payout) => ({ ...payout, id: String(payout.id) }))).toEqual([
      expect.objectContaining({ id: result.refund.payout_id, amount: "2.510000", toAddress: WALLET, idempotencyKey: result.refund.idempotency_key }),
    ]);
    // Nothing more is refundable: the next one is refused before PayRam is asked.
    expect(await requestRefund(deps(), form(order.orderId, { amount: 1 }))).toMatchObject({ ok: false });
    expect(await payouts()).toHaveLength(1);
  });

  it("refuses more than is refundable, a bad address and a token PayRam does not list, before PayRam is asked", async () => {
    const order = await overpaid();
    expect(await requestRefund(deps(), form(order.orderId, { amount: 252 }))).toEqual({ ok: false, error: expect.stringContaining("At most $2.51"), field: "amount" });
    expect(await requestRefund(deps(), form(order.orderId, { address: WALLET.replace("aAeb", "aaeb") }))).toMatchObject({ ok: false, field: "address" });
    expect(await requestRefund(deps(), form(order.orderId, { network: "POLYGON", token: "TRX" }))).toMatchObject({ ok: false, field: "token" });
    expect(await payouts()).toEqual([]);
  });

  it("a double click finds its refund again: one payout", async () => {
    const order = await overpaid();
    const same = form(order.orderId);
    const [a, b] = await Promise.all([requestRefund(deps(), same), requestRefund(deps(), same)]);
    expect(a.ok && b.ok && a.refund.id === b.refund.id).toBe(true);
    expect(await payouts()).toHaveLength(1);
  });

  it("two merchants (or two instances) refunding one order at once make one refund", async () => {
    const order = await overpaid();
    const other = get().dialect === "postgres" ? get().open() : get().db;
    const results = await Promise.all([requestRefund(deps(), form(order.orderId)), requestRefund(deps(other), form(order.orderId))]);
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect(results.find((result) => !result.ok)).toMatchObject({ ok: false, error: expect.stringMatching(/still under way|At most|Nothing/) });
    expect(await payouts()).toHaveLength(1);
  });

  it("a create that timed out after PayRam made the payout is asked again with the same key: still one payout", async () => {
    const { first } = await timedOutRefund();
    expect(first).toMatchObject({ ok: true, refund: { status: "requesting", payout_id: null } });
    expect(await payouts()).toHaveLength(1);
    const again = await sendRefund(deps(), first.refund);
    expect(again).toMatchObject({ ok: true, refund: { status: "pending", payout_id: String((await payouts())[0]!.id) } });
    expect(await payouts()).toHaveLength(1);
  });

  it("503 EXCHANGE_RATE_UNAVAILABLE keeps the refund to ask again; the sweep does", async () => {
    const order = await overpaid();
    await payram.control("/config", "PUT", { faults: { payouts: { mode: "503" } } });
    const first = await requestRefund(deps(), form(order.orderId));
    expect(first).toMatchObject({ ok: true, message: expect.stringContaining("exchange rate"), refund: { status: "requesting" } });
    await payram.control("/config", "PUT", { faults: { payouts: { mode: "none" } } });
    await get().db.updateTable("refunds").set({ last_sent_at: new Date(Date.now() - 5 * 60_000).toISOString() }).where("order_id", "=", order.orderId).execute();
    expect(await syncOpenRefunds(deps())).toBe(1);
    expect(await payouts()).toHaveLength(1);
  });

  it("payout webhooks move the refund forward only; a rejected payout makes the money refundable again", async () => {
    const order = await overpaid();
    const result = await requestRefund(deps(), form(order.orderId));
    if (!result.ok) throw new Error(result.error);
    const id = result.refund.payout_id!;
    for (const step of ["initiate", "send", "process"]) await payram.control(`/payouts/${id}/${step}`, "POST");
    expect(await payoutNews(deps(), id)).toBe("accepted");
    const processed = await get().db.selectFrom("refunds").select(["status", "tx_hash"]).where("id", "=", result.refund.id).executeTakeFirstOrThrow();
    expect(processed).toMatchObject({ status: "processed", tx_hash: expect.stringMatching(/^0x/) });
    // Each step is in the order's timeline, once.
    await payoutNews(deps(), id);
    const steps = await get().db.selectFrom("refund_events").select(["status", "note"]).where("refund_id", "=", result.refund.id).orderBy("id").execute();
    expect(steps.map((step) => step.status)).toEqual(["requesting", "pending", "processed"]);
    expect(steps[2]!.note).toBe(`transaction ${processed.tx_hash}`);
    // The shopper is mailed once, whatever news comes again.
    const mails = await get().db.selectFrom("outbox").select(["kind", "payload"]).where("order_id", "=", order.orderId).where("kind", "=", "refund_sent").execute();
    expect(mails).toHaveLength(1);
    expect(JSON.parse(mails[0]!.payload)).toMatchObject({ amountUsd: "2.51", cryptoAmount: "2.510000", token: "USDC", txHash: processed.tx_hash });

    const second = await overpaid();
    const refused = await requestRefund(deps(), form(second.orderId));
    if (!refused.ok) throw new Error(refused.error);
    await payram.control(`/payouts/${refused.refund.payout_id}/cancel`, "POST");
    await payoutNews(deps(), refused.refund.payout_id!);
    expect(await requestRefund(deps(), form(second.orderId))).toMatchObject({ ok: true, refund: { status: "pending" } });
  });

  it("refunds nothing of an unpaid order that may still be paid: cancelled first, what arrived is refundable", async () => {
    const order = await placeOrder(get().db, payram);
    await payram.deposit(order.referenceId, "4.00");
    await syncPayment(deps(), { referenceId: order.referenceId }, "webhook");
    expect(await requestRefund(deps(), form(order.orderId, { amount: 400 }))).toEqual({ ok: false, error: expect.stringContaining("cancel the order first") });
    await payram.control(`/payments/${order.referenceId}/cancel`, "POST");
    await syncPayment(deps(), { referenceId: order.referenceId }, "webhook");
    expect(await cancelOrder(get().db, order.orderId)).toMatchObject({ ok: true });
    expect(await requestRefund(deps(), form(order.orderId, { amount: 400 }))).toMatchObject({ ok: true, refund: { status: "pending" } });
    expect(await payouts()).toHaveLength(1);
  });

  it("a refusal of a later try (the key rotated, a proxy's 4xx) keeps the refund: the first try may have made the payout", async () => {
    const { first } = await timedOutRefund();
    const wrongKey = { ...deps(), payram: createPayramClient({ baseUrl: payram.emulator.url, apiKey: "not-the-api-key", timeoutMs: 2_000 }) };
    expect(await sendRefund(wrongKey, first.refund)).toMatchObject({ ok: true, refund: { status: "requesting" } });
    // With the right key again: the payout the first try made.
    const again = await sendRefund(deps(), (await get().db.selectFrom("refunds").selectAll().where("id", "=", first.refund.id).executeTakeFirstOrThrow()));
    expect(again).toMatchObject({ ok: true, refund: { status: "pending" } });
    expect(await payouts()).toHaveLength(1);
  });

  it("only the try that first sends a refund may take PayRam's refusal as 'nothing was paid': a racing try refused keeps it", async () => {
    const { order, first } = await timedOutRefund();
    // Another instance read the row before the first try marked it sent, and its key is not PayRam's (a rotation under way).
    const wrongKey = { ...deps(), payram: createPayramClient({ baseUrl: payram.emulator.url, apiKey: "not-the-api-key", timeoutMs: 2_000 }) };
    expect(await sendRefund(wrongKey, { ...first.refund, last_sent_at: null })).toMatchObject({ ok: true, refund: { status: "requesting" } });
    // The amount is still held: no second refund of it.
    expect(await requestRefund(deps(), form(order.orderId))).toMatchObject({ ok: false, error: expect.stringContaining("still under way") });
    expect(await payouts()).toHaveLength(1);
  });

  it("the sweep leaves a refund just recorded to the request that recorded it, and sends it two minutes on", async () => {
    // Earlier tests' refunds still in flight (their PayRam is gone) out of this sweep's way.
    await get().db.updateTable("refunds").set({ status: "failed" }).where("status", "=", "requesting").execute();
    const { first } = await timedOutRefund();
    // As if the request had died between recording the refund and sending it.
    const createdAt = Date.now();
    await get().db.updateTable("refunds").set({ last_sent_at: null, created_at: new Date(createdAt).toISOString() }).where("id", "=", first.refund.id).execute();
    const creates = await payoutCreates();
    expect(await syncOpenRefunds(deps(), createdAt + 30_000)).toBe(0);
    expect(await payoutCreates()).toBe(creates);
    expect(await syncOpenRefunds(deps(), createdAt + 3 * 60_000)).toBe(1);
    expect(await get().db.selectFrom("refunds").select("status").where("id", "=", first.refund.id).executeTakeFirstOrThrow()).toEqual({ status: "pending" });
    expect(await payouts()).toHaveLength(1);
  });

  it("a refund unanswered for over an hour is found in PayRam's list, not created again (PayRam may have forgotten its key)", async () => {
    await get().db.updateTable("refunds").set({ status: "failed" }).where("status", "=", "requesting").execute();
    const { first } = await timedOutRefund();
    await anHourOld(first.refund.id);
    const creates = await payoutCreates();
    expect(await syncOpenRefunds(deps())).toBe(1);
    expect(await payoutCreates()).toBe(creates);
    expect(await get().db.selectFrom("refunds").select(["status", "payout_id"]).where("id", "=", first.refund.id).executeTakeFirstOrThrow()).toEqual({ status: "pending", payout_id: String((await payouts()).at(-1)!.id) });
  });

  it("a refund PayRam leaves unanswered for over an hour is put before the merchant, once", async () => {
    await get().db.updateTable("refunds").set({ status: "failed" }).where("status", "=", "requesting").execute();
    const order = await overpaid();
    await payram.control("/config", "PUT", { faults: { payouts: { mode: "503" } } });
    try {
      const first = await requestRefund(deps(), form(order.orderId));
      expect(first).toMatchObject({ ok: true, refund: { status: "requesting" } });
      if (!first.ok) return;
      await anHourOld(first.refund.id);
      expect(await syncOpenRefunds(deps())).toBe(0);
      await syncOpenRefunds(deps(), Date.now() + 31 * 60_000);
      const flags = await get().db.selectFrom("attention_items").select(["kind", "detail", "resolved_at"]).where("order_id", "=", order.orderId).where("kind", "=", "refund_unanswered").execute();
      expect(flags).toEqual([{ kind: "refund_unanswered", detail: expect.stringContaining("$2.51 (2.510000 USDC"), resolved_at: null }]);
      const mailed = await get().db.selectFrom("outbox").select("payload").where("order_id", "=", order.orderId).where("kind", "=", "merchant_attention").execute();
      expect(mailed.filter((mail) => mail.payload.includes("A refund PayRam has not answered"))).toHaveLength(1);
      expect(await payouts()).toHaveLength(0);
    } finally {
      await payram.control("/config", "PUT", { faults: { payouts: { mode: "none" } } });
    }
  });

  it("the hour-old lookup reads PayRam's list page after page, back to the refund", async () => {
    await get().db.updateTable("refunds").set({ status: "failed" }).where("status", "=", "requesting").execute();
    const { first } = await timedOutRefund();
    // 120 newer payouts of the project put the refund's on the second page.
    for (let i = 0; i < 120; i++) {
      await payram.client.createPayout({ email: "other@example.com", blockchainCode: "ETH", currencyCode: "USDC", amount: "1.000000", toAddress: WALLET, customerID: `other-${i}` }, `other-${i}`);
    }
    await anHourOld(first.refund.id);
    const creates = await payoutCreates();
    expect(await syncOpenRefunds(deps())).toBe(1);
    expect(await payoutCreates()).toBe(creates);
    const made = (await payouts()).find((payout) => payout.amount === "2.510000")!;
    expect(await get().db.selectFrom("refunds").select("payout_id").where("id", "=", first.refund.id).executeTakeFirstOrThrow()).toEqual({ payout_id: String(made.id) });
  });

  it("refuses an amount PayRam's precision would cut by more than a cent, before PayRam is asked", async () => {
    const order = await overpaid();
    // ETH at $300,000,000: its 8 decimals move in steps of $3.
    await payram.control("/config", "PUT", { payouts: { prices: { ETH: "300000000.00", POL: "0.50", TRX: "0.25" } } });
    try {
      const creates = await payoutCreates();
      const result = await requestRefund(deps(), form(order.orderId, { network: "ETH", token: "ETH", amount: 251 }));
      expect(result).toMatchObject({ ok: false, field: "amount", error: "$2.51 is less than the smallest amount of ETH PayRam can send." });
      expect(await cancelOrder(get().db, order.orderId)).toMatchObject({ ok: true });
      const cut = await requestRefund(deps(), form(order.orderId, { network: "ETH", token: "ETH", amount: 500 }));
      expect(cut).toMatchObject({ ok: false, field: "amount", error: "PayRam sends ETH in steps: $5.00 would go out as 0.00000001 ETH, worth $3.00. Refund $3.00, or another token." });
      expect(await payoutCreates()).toBe(creates);
    } finally {
      await payram.control("/config", "PUT", { payouts: { prices: { ETH: "3000.00", POL: "0.50", TRX: "0.25" } } });
    }
  });

  it("a failed payout leaves the money owed: the shopper's page keeps listening for the next refund, the address frozen", async () => {
    const order = await overpaid();
    const now = new Date().toISOString();
    await get().db.insertInto("refund_addresses").values({ order_id: order.orderId, network: "ETH", token: "USDC", address: WALLET, confirm_hash: "0".repeat(64), created_at: now, confirmed_at: now, frozen_at: null }).execute();
    const result = await requestRefund(deps(), form(order.orderId));
    if (!result.ok) throw new Error(result.error);
    await payram.control(`/payouts/${result.refund.payout_id}/fail`, "POST", { reason: "out of gas" });
    await payoutNews(deps(), result.refund.payout_id!);
    const view = await orderStatus(deps(), order.orderId);
    expect(view).toMatchObject({ paid: true, awaiting: true });
    expect(await get().db.selectFrom("refund_addresses").select("frozen_at").where("order_id", "=", order.orderId).executeTakeFirstOrThrow()).toEqual({ frozen_at: expect.any(String) });
  });

  it("money arriving on an order the merchant cancelled is no sale: not paid, not mailed, flagged and refundable", async () => {
    const order = await placeOrder(get().db, payram);
    await payram.control(`/payments/${order.referenceId}/cancel`, "POST");
    await syncPayment(deps(), { referenceId: order.referenceId }, "webhook");
    expect(await cancelOrder(get().db, order.orderId)).toMatchObject({ ok: true });
    // The shopper pays anyway, on a payment PayRam opens for the order's customer.
    const customerId = customerIdFor(order.orderNumber);
    const late = await payram.client.createPayment({ customerEmail: "shopper@example.com", customerId, invoiceId: `late-${order.orderNumber}`, amountCents: 949 });
    await payram.deposit(late.referenceId, "9.49");
    await syncPayment(deps(), { referenceId: late.referenceId, customer: { id: customerId, email: "shopper@example.com" } }, "webhook");
    const row = await get().db.selectFrom("orders").select(["paid_at", "received_cents"]).where("id", "=", order.orderId).executeTakeFirstOrThrow();
    expect(row).toEqual({ paid_at: null, received_cents: 949 });
    expect(await get().db.selectFrom("fulfilments").select("order_id").where("order_id", "=", order.orderId).execute()).toEqual([]);
    expect(await get().db.selectFrom("outbox").select("kind").where("order_id", "=", order.orderId).where("kind", "in", ["paid", "merchant_paid"]).execute()).toEqual([]);
    expect(await get().db.selectFrom("attention_items").select("kind").where("order_id", "=", order.orderId).execute()).toEqual([{ kind: "cancelled_with_funds" }]);
    expect(await requestRefund(deps(), form(order.orderId, { amount: 949 }))).toMatchObject({ ok: true, refund: { status: "pending" } });
  });

  it("a paid order whose goods have shipped cannot be cancelled (they would go back on sale)", async () => {
    const order = await placeOrder(get().db, payram, [["aurora-desk-lamp", 1]]);
    await payram.deposit(order.referenceId, "89.00");
    await syncPayment(deps(), { referenceId: order.referenceId }, "webhook");
    expect(await markShipped(get().db, order.orderId, [1], { carrier: "DHL", trackingNumber: "123", trackingUrl: null })).toMatchObject({ ok: true });
    expect(await cancelOrder(get().db, order.orderId)).toEqual({ ok: false, error: expect.stringContaining("have shipped") });
  });

  it("a payout over PayRam's auto-approve limit waits for approval; rejected in PayRam, it shows rejected and the money is refundable again", async () => {
    const order = await placeOrder(get().db, payram, [["aurora-desk-lamp", 7]]);
    await payram.deposit(order.referenceId, "623.00");
    await syncPayment(deps(), { referenceId: order.referenceId }, "webhook");
    expect(await cancelOrder(get().db, order.orderId)).toMatchObject({ ok: true });
    const result = await requestRefund(deps(), form(order.orderId, { amount: 62300 }));
    expect(result).toMatchObject({ ok: true, refund: { status: "pending-approval" }, message: expect.stringContaining("approval") });
    if (!result.ok) return;
    await payram.control(`/payouts/${result.refund.payout_id}/reject`, "POST", { reason: "not approved" });
    expect(await payoutNews(deps(), result.refund.payout_id!)).toBe("accepted");
    expect(await get().db.selectFrom("refunds").select("status").where("id", "=", result.refund.id).executeTakeFirstOrThrow()).toEqual({ status: "rejected" });
    expect(await requestRefund(deps(), form(order.orderId, { amount: 62300 }))).toMatchObject({ ok: true, refund: { status: "pending-approval" } });
  });

  it("a cancelled paid order can be refunded in full", async () => {
    const order = await overpaid();
    expect(await cancelOrder(get().db, order.orderId)).toMatchObject({ ok: true });
    const result = await requestRefund(deps(), form(order.orderId, { amount: 1200 }));
    expect(result).toMatchObject({ ok: true, refund: { amount_cents: 1200, crypto_amount: "12.000000" } });
  });

  describe("issue 28: a refund life that always ends", () => {
    const refundRow = (id: string) => get().db.selectFrom("refunds").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    const setPayouts = (settings: Record<string, unknown>) => payram.control("/config", "PUT", { payouts: { prices: { ETH: "3000.00", POL: "0.50", TRX: "0.25" }, disabled: [], ...settings } });
    /** A refund whose first try PayRam answered 503: in flight, asked again later. */
    async function firstTry503() {
      await get().db.updateTable("refunds").set({ status: "failed" }).where("status", "=", "requesting").execute();
      const order = await overpaid();
      await payram.control("/config", "PUT", { faults: { payouts: { mode: "503" } } });
      const first = await requestRefund(deps(), form(order.orderId));
      await payram.control("/config", "PUT", { faults: { payouts: { mode: "none" } } });
      if (!first.ok) throw new Error(first.error);
      expect(first.refund.status).toBe("requesting");
      return { order, refund: first.refund };
    }
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

    it("M3: a later try refused (400, currency disabled) is looked up in PayRam's list; no payout there, it ends refused and frees the amount", async () => {
      const { order, refund } = await firstTry503();
      await setPayouts({ disabled: ["ETH:USDC"] });
      try {
        await get().db.updateTable("refunds").set({ last_sent_at: minutesAgo(5) }).where("id", "=", refund.id).execute();
        await syncOpenRefunds(deps());
        const row = await refundRow(refund.id);
        expect(row).toMatchObject({ status: "refused", payout_id: null, failure_reason: expect.stringContaining("turned off") });
        // Not sent again by a later sweep, and the amount is refundable again.
        const creates = await payoutCreates();
        await syncOpenRefunds(deps(), Date.now() + 60 * 60_000);
        expect(await payoutCreates()).toBe(creates);
      } finally {
        await setPayouts({});
      }
      expect(await requestRefund(deps(), form(order.orderId, { network: "POLYGON", token: "USDC" }))).toMatchObject({ ok: true, refund: { status: "pending" } });
      expect(await payouts()).toHaveLength(1);
    });

    it("M3: automatic re-sends back off and stop; the merchant is told what PayRam answered, and nothing is paid later", async () => {
      // 576 sweeps: only this test's refund in flight, not every earlier test's (each would be re-sent too).
      await get().db.updateTable("refunds").set({ status: "failed" }).where("status", "in", ["requesting", "pending"]).execute();
      const { order, refund } = await firstTry503();
      await payram.control("/config", "PUT", { faults: { payouts: { mode: "503" } } });
      try {
        const start = Date.parse(refund.created_at);
        // A sweep every 5 minutes for two days.
        for (let minute = 5; minute <= 48 * 60; minute += 5) await syncOpenRefunds(deps(), start + minute * 60_000);
        const creates = await payoutCreates();
        // Backed off: far fewer tries than one per sweep, and none after the stop.
        expect(creates).toBeLessThan(30);
        await syncOpenRefunds(deps(), start + 72 * 60 * 60_000);
        expect(await payoutCreates()).toBe(creates);
        const items = await get().db.selectFrom("attention_items").select(["kind", "detail"]).where("order_id", "=", order.orderId).where("kind", "=", "refund_stopped").execute();
        expect(items).toEqual([{ kind: "refund_stopped", detail: expect.stringContaining("exchange rate") }]);
      } finally {
        await payram.control("/config", "PUT", { faults: { payouts: { mode: "none" } } });
      }
      // PayRam accepting it later changes nothing: the shop no longer sends it by itself.
      await syncOpenRefunds(deps(), Date.parse(refund.created_at) + 80 * 60 * 60_000);
      expect(await payouts()).toHaveLength(0);
      expect(await refundRow(refund.id)).toMatchObject({ status: "requesting" });
    });

    it("M3: the merchant ends a refund stuck in flight once PayRam's list shows no payout; not while it may show one", async () => {
      const { order, refund } = await firstTry503();
      // Just sent: too early to tell (a try may still be under way at PayRam).
      expect(await endRefund(deps(), refund.id)).toMatchObject({ ok: false });
      await get().db.updateTable("refunds").set({ last_sent_at: minutesAgo(5), created_at: minutesAgo(5) }).where("id", "=", refund.id).execute();
      // PayRam's list unreadable: fails closed.
      await payram.control("/config", "PUT", { faults: { payouts: { mode: "503" } } });
      const wrongKey = { ...deps(), payram: createPayramClient({ baseUrl: payram.emulator.url, apiKey: "not-the-api-key", timeoutMs: 2_000 }) };
      expect(await endRefund(wrongKey, refund.id)).toMatchObject({ ok: false });
      expect(await refundRow(refund.id)).toMatchObject({ status: "requesting" });
      await payram.control("/config", "PUT", { faults: { payouts: { mode: "none" } } });
      expect(await endRefund(deps(), refund.id)).toMatchObject({ ok: true, refund: { status: "refused" } });
      expect(await refundRow(refund.id)).toMatchObject({ status: "refused", failure_reason: expect.stringContaining("Ended by the merchant") });
      // Ended: refundable again, and never sent by the sweep.
      const creates = await payoutCreates();
      await syncOpenRefunds(deps(), Date.now() + 60 * 60_000);
      expect(await payoutCreates()).toBe(creates);
      expect(await requestRefund(deps(), form(order.orderId))).toMatchObject({ ok: true, refund: { status: "pending" } });
    });

    it("M3: ending a refund whose payout PayRam's list shows takes that payout instead", async () => {
      await get().db.updateTable("refunds").set({ status: "failed" }).where("status", "=", "requesting").execute();
      const { first } = await timedOutRefund();
      await get().db.updateTable("refunds").set({ last_sent_at: minutesAgo(5), created_at: minutesAgo(5) }).where("id", "=", first.refund.id).execute();
      expect(await endRefund(deps(), first.refund.id)).toMatchObject({ ok: true, refund: { status: "pending", payout_id: String((await payouts())[0]!.id) } });
    });

    it("L1: a payout PayRam made for a refund the shop marked refused wins: the amount is held again, and the merchant is told", async () => {
      const order = await overpaid();
      // Instance A, its key rotated away, sends first: PayRam refuses it (401).
      const wrongKey = { ...deps(), payram: createPayramClient({ baseUrl: payram.emulator.url, apiKey: "not-the-api-key", timeoutMs: 2_000 }) };
      expect(await requestRefund(wrongKey, form(order.orderId))).toMatchObject({ ok: false });
      const refused = await get().db.selectFrom("refunds").selectAll().where("order_id", "=", order.orderId).executeTakeFirstOrThrow();
      expect(refused.status).toBe("refused");
      // Instance B, with the old key, had the row in hand before A's refusal and sent it: PayRam made the payout.
      const made = await payram.client.createPayout(JSON.parse(refused.request_body), refused.idempotency_key);
      const applied = await applyPayout(get().db, refused, made);
      expect(applied).toMatchObject({ status: "pending", payout_id: made.id });
      // Not refundable again: the payout holds the amount.
      expect(await requestRefund(deps(), form(order.orderId))).toMatchObject({ ok: false });
      const items = await get().db.selectFrom("attention_items").select("kind").where("order_id", "=", order.orderId).execute();
      expect(items).toContainEqual({ kind: "refund_paid_after_end" });
    });

    it("L1: while another refund of the order is in flight, the late payout is still recorded", async () => {
      const order = await overpaid();
      expect(await cancelOrder(get().db, order.orderId)).toMatchObject({ ok: true });
      const wrongKey = { ...deps(), payram: createPayramClient({ baseUrl: payram.emulator.url, apiKey: "not-the-api-key", timeoutMs: 2_000 }) };
      expect(await requestRefund(wrongKey, form(order.orderId))).toMatchObject({ ok: false });
      const refused = await get().db.selectFrom("refunds").selectAll().where("order_id", "=", order.orderId).where("status", "=", "refused").executeTakeFirstOrThrow();
      await payram.control("/config", "PUT", { payouts: { prices: { ETH: "3000.00", POL: "0.50", TRX: "0.25" }, disabled: [], autoApproveLimitUsd: "1.00" } });
      const second = await requestRefund(deps(), form(order.orderId, { amount: 300 }));
      expect(second).toMatchObject({ ok: true, refund: { status: "pending-approval" } });
      const made = await payram.client.createPayout(JSON.parse(refused.request_body), refused.idempotency_key);
      expect(await applyPayout(get().db, refused, made)).toMatchObject({ status: "pending-approval", payout_id: made.id });
    });

    it("L2: what is recorded as refunded is what was sent (rounded down to the wallet's precision)", async () => {
      const order = await overpaid();
      expect(await cancelOrder(get().db, order.orderId)).toMatchObject({ ok: true });
      // $10.00 of ETH at $3,000 with 8 decimals: 0.00333333 ETH, worth $9.99999 — $9.99 is what goes out.
      const result = await requestRefund(deps(), form(order.orderId, { network: "ETH", token: "ETH", amount: 1000 }));
      expect(result).toMatchObject({ ok: true, refund: { amount_cents: 999, crypto_amount: "0.00333333" } });
      const events = await get().db.selectFrom("refund_events").select("note").where("order_id", "=", order.orderId).execute();
      expect(events[0]!.note).toContain("$9.99 as 0.00333333 ETH");
    });
  });
});

it("the refund form takes a typed dollar amount above zero, with or without its $, and says how to write one otherwise", () => {
  const form = { orderId: "o".repeat(22), formToken: newRefundFormToken(), network: "ETH", token: "USDC", address: WALLET };
  const amountOf = (amount: string) => {
    const parsed = refundFormSchema.safeParse({ ...form, amount });
    return parsed.success ? parsed.data.amount : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  };
  expect(amountOf("2.51")).toBe(251);
  expect(amountOf(" $2.51")).toBe(251);
  for (const bad of ["0", "0.00", "2.515", "abc", "-1", ""]) expect(amountOf(bad)).toEqual(["amount: Enter an amount in USD, like 2.51."]);
});
