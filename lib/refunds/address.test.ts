import { expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { emulatorPerFile } from "@/test/emulator-per-file";
import { placeOrder, syncDepsFor } from "@/test/shop";
import { newOrderId } from "../orders";
import { syncPayment } from "../payments/sync";
import { asksForRefundAddress, confirmRefundAddress, findRefundAddress, submitRefundAddress } from "./address";
import { newRefundFormToken, requestRefund } from "./index";
import { inWordsOf } from "@/test/said";

const payram = emulatorPerFile();
const WALLET = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
/** The client (as rate limits know it) of most answers here. */
const CLIENT = "203.0.113.7";
const answer = (orderId: string, network: "ETH" | "BASE" = "ETH") => ({ orderId, network, token: "USDC" as const, address: WALLET });

it("asks for an address where money is owed back and no payment is open", () => {
  const order = { received_cents: 1200, total_cents: 949, paid_at: "t", cancelled_at: null };
  expect(asksForRefundAddress(order, [], false, null)).toBe(true);
  expect(asksForRefundAddress({ ...order, received_cents: 949 }, [], false, null)).toBe(false);
  // Refunded already (or on its way): nothing more to ask.
  expect(asksForRefundAddress(order, [{ amount_cents: 251, status: "pending" }], false, null)).toBe(false);
  expect(asksForRefundAddress({ ...order, paid_at: null, received_cents: 400 }, [], false, null)).toBe(true);
  expect(asksForRefundAddress({ ...order, paid_at: null, received_cents: 400 }, [], true, null)).toBe(false);
  // Once a refund was made with the shopper's confirmed answer, it is no longer asked for.
  expect(asksForRefundAddress(order, [], false, { frozen_at: "2026-11-30T07:00:00.000Z" })).toBe(false);
});

describeOnEachDatabase("the shopper's refund address", (get) => {
  const deps = () => syncDepsFor(get().db, payram);
  async function overpaid(email?: string) {
    const order = await placeOrder(get().db, payram, undefined, {}, email);
    await payram.deposit(order.referenceId, "12.00");
    await syncPayment(deps(), { referenceId: order.referenceId }, "webhook");
    return order;
  }
  /** The token of the newest confirmation mail in the outbox (what the shopper's mailbox holds). */
  const mailedToken = async (orderId: string) => {
    const mails = await get().db.selectFrom("outbox").select("payload").where("order_id", "=", orderId).where("kind", "=", "confirm_refund_address").orderBy("id", "desc").execute();
    return (JSON.parse(mails[0]!.payload) as { confirmToken: string }).confirmToken;
  };

  it("is confirmed only by the mailed link, the newest one; a refund with it freezes it", async () => {
    const order = await overpaid();
    expect(inWordsOf(await submitRefundAddress(get().db, { orderId: order.orderId, network: "ETH", token: "USDC", address: WALLET.replace("aAeb", "aaeb") }, CLIENT))).toMatchObject({ ok: false, field: "address" });
    expect(await submitRefundAddress(get().db, { orderId: order.orderId, network: "ETH", token: "USDC", address: WALLET }, CLIENT)).toEqual({ ok: true });
    const first = await mailedToken(order.orderId);
    expect((await findRefundAddress(get().db, order.orderId))?.confirmed_at).toBeNull();
    expect(inWordsOf(await confirmRefundAddress(get().db, order.orderId, "x".repeat(32)))).toMatchObject({ ok: false });
    // A second answer: only its own link confirms it.
    expect(await submitRefundAddress(get().db, { orderId: order.orderId, network: "BASE", token: "USDC", address: WALLET }, CLIENT)).toEqual({ ok: true });
    expect(inWordsOf(await confirmRefundAddress(get().db, order.orderId, first))).toMatchObject({ ok: false });
    expect(await confirmRefundAddress(get().db, order.orderId, await mailedToken(order.orderId))).toMatchObject({ ok: true, address: { network: "BASE", confirmed_at: expect.any(String) } });

    // The merchant refunds to it: it can no longer be changed.
    expect(await requestRefund(deps(), { orderId: order.orderId, formToken: newRefundFormToken(), network: "BASE", token: "USDC", address: WALLET, amount: 251 })).toMatchObject({ ok: true });
    expect((await findRefundAddress(get().db, order.orderId))?.frozen_at).not.toBeNull();
    expect(inWordsOf(await submitRefundAddress(get().db, { orderId: order.orderId, network: "ETH", token: "USDC", address: WALLET }, CLIENT))).toMatchObject({ ok: false, error: expect.stringContaining("can no longer be changed") });
  });

  /** The rows the refund form's limits wrote (their buckets start with the limits' names). */
  const limitRows = async () => (await get().db.selectFrom("rate_limits").select(["bucket", "count"]).where("bucket", "like", "refund_address%").orderBy("bucket").execute()).map((row) => `${row.bucket}=${row.count}`);
  const confirmMails = (orderIds: string[]) => get().db.selectFrom("outbox").select(["recipient"]).where("order_id", "in", orderIds).where("kind", "=", "confirm_refund_address").execute();

  it("refuses an order that owes nothing back, and counts nothing for orders it does not know", async () => {
    const before = await limitRows();
    // Unpaid and open: its payment may still complete it, nothing is owed.
    const unpaid = await placeOrder(get().db, payram, undefined, {}, `unpaid-${get().dialect}@example.com`);
    expect(inWordsOf(await submitRefundAddress(get().db, answer(unpaid.orderId), CLIENT))).toEqual({ ok: false, error: expect.stringContaining("owes you no refund") });
    // Paid exactly: nothing to send back either.
    const paid = await placeOrder(get().db, payram, undefined, {}, `paid-${get().dialect}@example.com`);
    await payram.deposit(paid.referenceId, "9.49");
    await syncPayment(deps(), { referenceId: paid.referenceId }, "webhook");
    expect(inWordsOf(await submitRefundAddress(get().db, answer(paid.orderId), CLIENT))).toEqual({ ok: false, error: expect.stringContaining("owes you no refund") });
    // Guessed order ids: refused, and not one counter row for them.
    for (let i = 0; i < 20; i++) expect(await submitRefundAddress(get().db, answer(newOrderId()), CLIENT)).toMatchObject({ ok: false });
    expect(await limitRows()).toEqual(before);
    expect(await confirmMails([unpaid.orderId, paid.orderId])).toEqual([]);
  });

  it("counts answers per client, whatever the order", async () => {
    const client = `client-${get().dialect}`;
    const orders = [await overpaid(`one-${get().dialect}@example.com`), await overpaid(`two-${get().dialect}@example.com`), await overpaid(`three-${get().dialect}@example.com`)];
    for (const [index, count] of [4, 4, 2].entries()) {
      for (let i = 0; i < count; i++) expect(await submitRefundAddress(get().db, answer(orders[index]!.orderId), client)).toEqual({ ok: true });
    }
    expect(inWordsOf(await submitRefundAddress(get().db, answer(orders[2]!.orderId), client))).toEqual({ ok: false, error: expect.stringMatching(/^Too many answers from your network\. Please try again in \d+ minutes?\.$/) });
    // Another client is not held up by it.
    expect(await submitRefundAddress(get().db, answer(orders[2]!.orderId), `other-${client}`)).toEqual({ ok: true });
    expect(await confirmMails(orders.map((order) => order.orderId))).toHaveLength(11);
  });

  it("mails each answer to the order's address, at most 5 a day to one address whatever the order and client", async () => {
    const email = `capped-${get().dialect}@example.com`;
    const [first, second] = [await overpaid(email), await overpaid(email.toUpperCase())];
    for (let i = 0; i < 5; i++) expect(await submitRefundAddress(get().db, answer(first.orderId), `client-${i}`)).toEqual({ ok: true });
    const capped = await submitRefundAddress(get().db, answer(second.orderId), "client-5");
    expect(inWordsOf(capped)).toEqual({ ok: false, error: expect.stringMatching(/^We have mailed this order's address 5 confirmation links today, the most we send in a day: use the newest one, or try again in \d+ hours?\.$/) });
    const mails = await confirmMails([first.orderId, second.orderId]);
    expect(mails).toHaveLength(5);
    expect(new Set(mails.map((mail) => mail.recipient))).toEqual(new Set([email]));
    // The refused answer changed nothing: the newest mailed link still confirms.
    expect(await findRefundAddress(get().db, second.orderId)).toBeNull();
    expect(await confirmRefundAddress(get().db, first.orderId, await mailedToken(first.orderId))).toMatchObject({ ok: true });
  });

  it("keeps the confirmed address in force until a new answer is confirmed", async () => {
    const order = await overpaid(`kept-${get().dialect}@example.com`);
    expect(await submitRefundAddress(get().db, answer(order.orderId, "ETH"), CLIENT)).toEqual({ ok: true });
    expect(await confirmRefundAddress(get().db, order.orderId, await mailedToken(order.orderId))).toMatchObject({ ok: true });
    // Anyone holding the order's link answers again: the confirmed address stays, the answer waits for its own link.
    expect(await submitRefundAddress(get().db, answer(order.orderId, "BASE"), "198.51.100.9")).toEqual({ ok: true });
    expect(await findRefundAddress(get().db, order.orderId)).toMatchObject({ network: "ETH", address: WALLET, confirmed_at: expect.any(String), pending_network: "BASE" });
    expect(await confirmRefundAddress(get().db, order.orderId, await mailedToken(order.orderId))).toMatchObject({ ok: true, address: { network: "BASE", confirmed_at: expect.any(String), pending_network: null } });

    // A refund with the confirmed address freezes it; an answer waiting meanwhile can no longer be confirmed.
    expect(await submitRefundAddress(get().db, answer(order.orderId, "ETH"), CLIENT)).toEqual({ ok: true });
    expect(await requestRefund(deps(), { orderId: order.orderId, formToken: newRefundFormToken(), network: "BASE", token: "USDC", address: WALLET, amount: 251 })).toMatchObject({ ok: true });
    expect(inWordsOf(await confirmRefundAddress(get().db, order.orderId, await mailedToken(order.orderId)))).toMatchObject({ ok: false, error: expect.stringContaining("can no longer be changed") });
    expect(await findRefundAddress(get().db, order.orderId)).toMatchObject({ network: "BASE", frozen_at: expect.any(String) });
  });
});
