import { expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { emulatorPerFile } from "@/test/emulator-per-file";
import { placeOrder } from "@/test/shop";
import { orderFilterSchema } from "./admin-orders";
import { attentionPage, merchantOrderPage, ordersPage } from "./merchant";
import { refundAddressPage, shopperOrderPage } from "./shopper-order";

const payram = emulatorPerFile();

describeOnEachDatabase("what each page reads in one call", (get) => {
  it("the shopper's order page: the order, its lines and its status; null for an order that does not exist", async () => {
    const placed = await placeOrder(get().db, payram);
    const page = await shopperOrderPage(get().db, placed.orderId);
    expect(page?.order.id).toBe(placed.orderId);
    expect(page?.items).toHaveLength(1);
    expect(page?.view.state).toBeDefined();
    expect(page?.refunds).toEqual([]);
    expect(page?.refundAddress).toBeNull();
    expect(page?.asksForAddress).toBe(false);
    expect(await shopperOrderPage(get().db, "no-such-order")).toBeNull();
    expect((await refundAddressPage(get().db, placed.orderId))?.address).toBeNull();
    expect(await refundAddressPage(get().db, "no-such-order")).toBeNull();
  });

  it("the merchant's pages: the list with its counts (mails waiting only when mail is off), an order, what needs attention", async () => {
    const placed = await placeOrder(get().db, payram);
    const list = await ordersPage(get().db, orderFilterSchema.parse({}), { mailOff: false });
    expect(list.rows.map((row) => row.id)).toContain(placed.orderId);
    expect(list.waitingMail).toBe(0);
    expect(list.mailOff).toBe(false);
    const order = await merchantOrderPage(get().db, placed.orderId);
    expect(order?.order.id).toBe(placed.orderId);
    expect(order?.refunds).toEqual([]);
    expect(order?.shopperAddress).toBeNull();
    expect(Array.isArray(order?.mails)).toBe(true);
    expect(await merchantOrderPage(get().db, "not an order id")).toBeNull();
    const attention = await attentionPage(get().db, { partialAfterMinutes: 30 });
    expect(attention).toEqual({ items: expect.any(Array), rejectedDeliveries: expect.any(Array), caps: expect.any(Array) });
  });
});
