import { expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { emulatorPerFile } from "@/test/emulator-per-file";
import { placeOrder, syncDepsFor } from "@/test/shop";
import { syncPayment } from "../payments/sync";
import { asksForRefundAddress, confirmRefundAddress, findRefundAddress, submitRefundAddress } from "./address";
import { newRefundFormToken, requestRefund } from "./index";

const payram = emulatorPerFile();
const WALLET = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

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
  async function overpaid() {
    const order = await placeOrder(get().db, payram);
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
    expect(await submitRefundAddress(get().db, { orderId: order.orderId, network: "ETH", token: "USDC", address: WALLET.replace("aAeb", "aaeb") })).toMatchObject({ ok: false, field: "address" });
    expect(await submitRefundAddress(get().db, { orderId: order.orderId, network: "ETH", token: "USDC", address: WALLET })).toEqual({ ok: true });
    const first = await mailedToken(order.orderId);
    expect((await findRefundAddress(get().db, order.orderId))?.confirmed_at).toBeNull();
    expect(await confirmRefundAddress(get().db, order.orderId, "x".repeat(32))).toMatchObject({ ok: false });
    // A second answer: only its own link confirms it.
    expect(await submitRefundAddress(get().db, { orderId: order.orderId, network: "BASE", token: "USDC", address: WALLET })).toEqual({ ok: true });
    expect(await confirmRefundAddress(get().db, order.orderId, first)).toMatchObject({ ok: false });
    expect(await confirmRefundAddress(get().db, order.orderId, await mailedToken(order.orderId))).toMatchObject({ ok: true, address: { network: "BASE", confirmed_at: expect.any(String) } });

    // The merchant refunds to it: it can no longer be changed.
    expect(await requestRefund(deps(), { orderId: order.orderId, formToken: newRefundFormToken(), network: "BASE", token: "USDC", address: WALLET, amount: 251 })).toMatchObject({ ok: true });
    expect((await findRefundAddress(get().db, order.orderId))?.frozen_at).not.toBeNull();
    expect(await submitRefundAddress(get().db, { orderId: order.orderId, network: "ETH", token: "USDC", address: WALLET })).toMatchObject({ ok: false, error: expect.stringContaining("can no longer be changed") });
  });

  it("mails each answer to the order's address, at most 5 an hour", async () => {
    const order = await overpaid();
    for (let i = 0; i < 5; i++) expect(await submitRefundAddress(get().db, { orderId: order.orderId, network: "ETH", token: "USDC", address: WALLET })).toEqual({ ok: true });
    expect(await submitRefundAddress(get().db, { orderId: order.orderId, network: "ETH", token: "USDC", address: WALLET })).toMatchObject({ ok: false, error: expect.stringContaining("Too many") });
    const mails = await get().db.selectFrom("outbox").select(["recipient"]).where("order_id", "=", order.orderId).where("kind", "=", "confirm_refund_address").execute();
    expect(mails).toHaveLength(5);
    expect(new Set(mails.map((mail) => mail.recipient))).toEqual(new Set(["shopper@example.com"]));
  });
});
