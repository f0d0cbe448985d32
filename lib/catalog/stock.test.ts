import { describe, expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { emulatorPerFile } from "@/test/emulator-per-file";
import { checkoutDepsFor, placeOrder, syncDepsFor, TEST_ADDRESS, TEST_SECRET, type PlacedOrder } from "@/test/shop";
import { cancelOrder, releaseOrderStock } from "../orders/cancel";
import { addToCart, getCart } from "../cart";
import type { Db } from "../db";
import { createOrder, findOrder } from "../orders";
import { payForOrder, startCheckout } from "../checkout/checkout";
import { customerIdFor } from "../payram/ids";
import { issueCheckoutToken } from "../checkout/token";
import { refundableCents } from "../rules/refundable";
import { sweepDue } from "../payments/sweep";
import { syncPayment } from "../payments/sync";
import { productIdOf, seedCatalog, setStock } from "./index";
import { inWordsOf } from "@/test/said";
import { translator } from "../i18n/messages";
import { orderAttempts } from "../payments/attempts";
import { describeForShopper, type Say } from "../rules/states";
import { statusView } from "../views/status";

const payram = emulatorPerFile();

/** The demo's digital product: no shipping address needed. */
const SLUG = "lofi-sound-pack";

describeOnEachDatabase("stock", (get) => {
  const stockOf = async (db: Db = get().db) =>
    (await db.selectFrom("products").select("stock").where("slug", "=", SLUG).executeTakeFirstOrThrow()).stock;
  const held = async (orderId: string) =>
    (await get().db.selectFrom("stock_reservations").select(["quantity", "released_at"]).where("order_id", "=", orderId).orderBy("id").execute()).map((row) => ({
      quantity: row.quantity,
      released: row.released_at !== null,
    }));
  const restock = async (stock: number | null) => {
    await seedCatalog(get().db);
    await setStock(get().db, await productIdOf(get().db, SLUG), stock);
  };

  /** A cart with the product, and its checkout's form (token included), through `db`; from `client` if given. */
  async function readyCheckout(db: Db, quantity = 1, who: { email?: string; client?: string } = {}) {
    const added = await addToCart(db, undefined, await productIdOf(db, SLUG), quantity);
    if (!added.ok) throw new Error(inWordsOf(added.error));
    const token = issueCheckoutToken(TEST_SECRET, await getCart(db, added.cartId));
    return { cartId: added.cartId, client: who.client, form: { token, email: who.email ?? "shopper@example.com", ...TEST_ADDRESS } };
  }

  it("two shoppers race for the last piece on two instances: one reaches PayRam, the other is told it is sold out", async () => {
    await restock(1);
    // Postgres: two instances. SQLite has one instance (one connection, whose transactions queue).
    const [a, b] = [get().db, get().dialect === "postgres" ? get().open() : get().db];
    const [carts] = [await Promise.all([readyCheckout(a), readyCheckout(b)])];
    const results = await Promise.all([startCheckout(checkoutDepsFor(a, payram), carts[0]!), startCheckout(checkoutDepsFor(b, payram), carts[1]!)]);
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect(inWordsOf(results.find((result) => !result.ok))).toMatchObject({ ok: false, error: "Lo-Fi Sound Pack is sold out. Your cart is saved: please change it and pay again.", reload: true });
    expect(await stockOf()).toBe(0);
    expect(await payram.payments()).toHaveLength(1);
    // The loser's cart is kept, and no order was recorded for it.
    const loser = results.findIndex((result) => !result.ok);
    expect((await getCart(get().db, carts[loser]!.cartId)).lines).toHaveLength(1);
  });

  it("never sells more than the stock, however many check out at once", async () => {
    await restock(3);
    const handles = get().dialect === "postgres" ? [get().db, get().open(), get().open()] : [get().db, get().db, get().db];
    const ready = await Promise.all(Array.from({ length: 8 }, (_, i) => readyCheckout(handles[i % 3]!)));
    const results = await Promise.all(ready.map((input, i) => startCheckout(checkoutDepsFor(handles[i % 3]!, payram), input)));
    expect(results.filter((result) => result.ok)).toHaveLength(3);
    expect(await stockOf()).toBe(0);
  });

  it("a payment that expires with nothing received gives the stock back, once; Pay again takes it again", async () => {
    await restock(1);
    const order = await placeOrder(get().db, payram);
    expect(await stockOf()).toBe(0);
    await payram.control(`/payments/${order.referenceId}/cancel`, "POST");
    await syncPayment(syncDepsFor(get().db, payram), { referenceId: order.referenceId }, "webhook");
    expect(await stockOf()).toBe(1);
    expect(await held(order.orderId)).toEqual([{ quantity: 1, released: true }]);
    // Syncing again releases nothing more.
    await syncPayment(syncDepsFor(get().db, payram), { referenceId: order.referenceId }, "sweep");
    expect(await stockOf()).toBe(1);

    const again = await payForOrder(checkoutDepsFor(get().db, payram), (await findOrder(get().db, order.orderId))!);
    expect(again).toMatchObject({ ok: true });
    expect(await stockOf()).toBe(0);
    expect(await held(order.orderId)).toEqual([
      { quantity: 1, released: true },
      { quantity: 1, released: false },
    ]);
  });

  it("Pay again after the last piece went to someone else is refused before PayRam is asked", async () => {
    await restock(1);
    const order = await placeOrder(get().db, payram);
    await payram.control(`/payments/${order.referenceId}/cancel`, "POST");
    await syncPayment(syncDepsFor(get().db, payram), { referenceId: order.referenceId }, "webhook");
    await placeOrder(get().db, payram);
    const payments = (await payram.payments()).length;
    const again = await payForOrder(checkoutDepsFor(get().db, payram), (await findOrder(get().db, order.orderId))!);
    expect(inWordsOf(again)).toEqual({ ok: false, orderId: order.orderId, error: "Lo-Fi Sound Pack is sold out. This order cannot be paid again; nothing was charged." });
    expect(await payram.payments()).toHaveLength(payments);
    expect(await stockOf()).toBe(0);
  });

  it("a checkout that could not start gives the stock back", async () => {
    await restock(1);
    await payram.control("/config", "PUT", { faults: { create: { mode: "500" } } });
    const result = await startCheckout(checkoutDepsFor(get().db, payram), await readyCheckout(get().db));
    expect(result).toMatchObject({ ok: false });
    expect(await stockOf()).toBe(1);
  });

  it("a deposit on a payment that expired does not keep the stock (issue 29.2); paying the rest takes it again", async () => {
    await restock(1);
    const order = await placeOrder(get().db, payram);
    await payram.deposit(order.referenceId, "0.01");
    await payram.control(`/payments/${order.referenceId}/cancel`, "POST");
    await syncPayment(syncDepsFor(get().db, payram), { referenceId: order.referenceId }, "webhook");
    expect(await stockOf()).toBe(1);
    expect(await held(order.orderId)).toEqual([{ quantity: 1, released: true }]);
    expect((await findOrder(get().db, order.orderId))!.received_cents).toBe(1);
    // "Pay the remaining" holds the piece again before the shopper is sent to pay.
    expect(await payForOrder(checkoutDepsFor(get().db, payram), (await findOrder(get().db, order.orderId))!)).toMatchObject({ ok: true });
    expect(await stockOf()).toBe(0);
    expect(await held(order.orderId)).toEqual([
      { quantity: 1, released: true },
      { quantity: 1, released: false },
    ]);
  });

  it("a dust deposit leaves the order refundable once the merchant cancels it, its stock already back on sale", async () => {
    await restock(1);
    const order = await placeOrder(get().db, payram);
    await payram.deposit(order.referenceId, "0.01");
    await payram.control(`/payments/${order.referenceId}/cancel`, "POST");
    await syncPayment(syncDepsFor(get().db, payram), { referenceId: order.referenceId }, "webhook");
    expect(await stockOf()).toBe(1);
    // Someone else buys the piece meanwhile.
    await placeOrder(get().db, payram, undefined, {}, "other@example.com");
    expect(await cancelOrder(get().db, order.orderId)).toEqual({ ok: true, message: "Cancelled. Part of the payment had arrived: refund the shopper below. Its stock is back on sale." });
    expect(refundableCents((await findOrder(get().db, order.orderId))!, [])).toBe(1);
    expect(await stockOf()).toBe(0);
  });

  it("money arriving after the release takes the stock again, or is flagged when it is gone (the order is still paid)", async () => {
    await restock(2);
    const [first, second] = [await placeOrder(get().db, payram), await placeOrder(get().db, payram)];
    for (const order of [first, second]) {
      await payram.control(`/payments/${order.referenceId}/cancel`, "POST");
      await syncPayment(syncDepsFor(get().db, payram), { referenceId: order.referenceId }, "webhook");
    }
    expect(await stockOf()).toBe(2);
    // One piece goes to a third shopper. Then each shopper pays anyway, on a payment PayRam opens
    // for the order's customer (a top-up under its own reference), which the shop adopts.
    await placeOrder(get().db, payram);
    const payLate = async (order: PlacedOrder) => {
      const customerId = customerIdFor(order.orderNumber);
      const created = await payram.client.createPayment({ customerEmail: "shopper@example.com", customerId, invoiceId: `late-${order.orderNumber}`, amountCents: 949, expiresAt: new Date(Date.now() + 3_600_000) });
      await payram.deposit(created.referenceId, "9.49");
      await syncPayment(syncDepsFor(get().db, payram), { referenceId: created.referenceId, customer: { id: customerId, email: "shopper@example.com" } }, "webhook");
      return (await findOrder(get().db, order.orderId))!;
    };
    expect((await payLate(first)).paid_at).not.toBeNull();
    expect(await stockOf()).toBe(0);
    expect(await held(first.orderId)).toEqual([
      { quantity: 1, released: true },
      { quantity: 1, released: false },
    ]);
    expect((await payLate(second)).paid_at).not.toBeNull();
    expect(await stockOf()).toBe(0);
    const flags = await get().db.selectFrom("attention_items").select(["order_id", "kind", "detail"]).where("kind", "=", "out_of_stock").execute();
    expect(flags).toEqual([{ order_id: second.orderId, kind: "out_of_stock", detail: expect.stringContaining("Lo-Fi Sound Pack (0 left)") }]);
  });

  it("the merchant cancels an unpaid order whose payment expired: it can no longer be paid, and its stock is back", async () => {
    await restock(1);
    const order = await placeOrder(get().db, payram);
    expect(await cancelOrder(get().db, order.orderId)).toMatchObject({ ok: false, error: expect.stringContaining("still open at PayRam") });
    await payram.control(`/payments/${order.referenceId}/cancel`, "POST");
    await syncPayment(syncDepsFor(get().db, payram), { referenceId: order.referenceId }, "webhook");
    expect(await cancelOrder(get().db, order.orderId)).toEqual({ ok: true, message: "Cancelled. Its stock is back on sale." });
    expect(await cancelOrder(get().db, order.orderId)).toEqual({ ok: true, message: "This order was already cancelled." });
    expect(await stockOf()).toBe(1);
    const again = await payForOrder(checkoutDepsFor(get().db, payram), (await findOrder(get().db, order.orderId))!);
    expect(inWordsOf(again)).toEqual({ ok: false, orderId: order.orderId, error: "The shop cancelled this order: it cannot be paid." });
    expect(await stockOf()).toBe(1);
  });

  it("the merchant releases the stock of an open, unpaid order (issue 29.2): another shopper buys the piece, and the late full payment is flagged out of stock and stays refundable", async () => {
    await restock(1);
    const first = await placeOrder(get().db, payram);
    expect(await stockOf()).toBe(0);
    // Cancelling is refused while its payment is open; releasing the stock is not.
    expect(await cancelOrder(get().db, first.orderId)).toMatchObject({ ok: false });
    expect(await releaseOrderStock(get().db, first.orderId)).toEqual({
      ok: true,
      message: "Its stock is back on sale. The order can still be paid: money that arrives when the stock is gone is flagged as paid, but out of stock.",
    });
    expect(await stockOf()).toBe(1);
    expect(await held(first.orderId)).toEqual([{ quantity: 1, released: true }]);
    // A second click changes nothing.
    expect(await releaseOrderStock(get().db, first.orderId)).toEqual({ ok: true, message: "Its stock was already released." });
    expect(await stockOf()).toBe(1);
    // A deposit on the still-open payment does not take the piece back.
    await payram.deposit(first.referenceId, "1.00");
    await syncPayment(syncDepsFor(get().db, payram), { referenceId: first.referenceId }, "webhook");
    expect(await stockOf()).toBe(1);
    expect(await held(first.orderId)).toEqual([{ quantity: 1, released: true }]);

    const second = await placeOrder(get().db, payram, undefined, {}, "other@example.com");
    expect(await stockOf()).toBe(0);
    expect(await held(second.orderId)).toEqual([{ quantity: 1, released: false }]);

    // The first shopper pays the rest: the order is paid, flagged, and holds nothing.
    await payram.deposit(first.referenceId, "8.49");
    await syncPayment(syncDepsFor(get().db, payram), { referenceId: first.referenceId }, "webhook");
    expect((await findOrder(get().db, first.orderId))!.paid_at).not.toBeNull();
    expect(await stockOf()).toBe(0);
    expect(await held(first.orderId)).toEqual([{ quantity: 1, released: true }]);
    const flags = await get().db.selectFrom("attention_items").select(["kind", "detail"]).where("order_id", "=", first.orderId).execute();
    expect(flags).toEqual([{ kind: "out_of_stock", detail: expect.stringContaining("Lo-Fi Sound Pack (0 left)") }]);
    // The merchant cancels it (its payment is closed now): all it received is refundable.
    expect(await cancelOrder(get().db, first.orderId)).toMatchObject({ ok: true, message: expect.stringContaining("It was paid: refund the shopper below.") });
    expect(refundableCents((await findOrder(get().db, first.orderId))!, [])).toBe(949);
    expect(await stockOf()).toBe(0);
    expect(await held(second.orderId)).toEqual([{ quantity: 1, released: false }]);
  });

  /** The shopper's order page, as its status view and words say it (English, or `locale`). */
  async function shopperPage(orderId: string, locale = "en") {
    const view = await statusView(get().db, (await findOrder(get().db, orderId))!, await orderAttempts(get().db, orderId));
    const t = translator(locale, "Status") as unknown as Say["t"];
    return { stock: view.stock, words: describeForShopper(view, { t, usd: (decimal) => decimal }).stock };
  }

  it("the shopper's page says when the merchant put an unpaid order's items back on sale: it can still be paid, and a refund if they sell out first", async () => {
    await restock(1);
    const order = await placeOrder(get().db, payram);
    expect(await shopperPage(order.orderId)).toEqual({ stock: null, words: undefined });
    expect(await releaseOrderStock(get().db, order.orderId)).toMatchObject({ ok: true });
    expect(await shopperPage(order.orderId)).toEqual({
      stock: "released",
      words: "The shop has put this order's items back on sale. You can still pay for it, but if they sell out before your payment arrives, the shop will contact you about a refund.",
    });
    expect((await shopperPage(order.orderId, "es")).words).toBe(
      "La tienda ha vuelto a poner a la venta los artículos de este pedido. Todavía puedes pagarlo, pero si se agotan antes de que llegue tu pago, la tienda se pondrá en contacto contigo para reembolsarte.",
    );
    // Its payment ends and "Pay again" holds the items again: nothing more to say about them.
    await payram.control(`/payments/${order.referenceId}/cancel`, "POST");
    await syncPayment(syncDepsFor(get().db, payram), { referenceId: order.referenceId }, "webhook");
    expect((await shopperPage(order.orderId)).stock).toBe("released");
    expect(await payForOrder(checkoutDepsFor(get().db, payram), (await findOrder(get().db, order.orderId))!)).toMatchObject({ ok: true });
    expect(await shopperPage(order.orderId)).toEqual({ stock: null, words: undefined });
  });

  it("the shopper's page says when the money arrived after the items sold out: the shop will refund or restock", async () => {
    await restock(1);
    const first = await placeOrder(get().db, payram);
    await releaseOrderStock(get().db, first.orderId);
    await placeOrder(get().db, payram, undefined, {}, "other@example.com");
    expect(await stockOf()).toBe(0);
    await payram.deposit(first.referenceId, "9.49");
    await syncPayment(syncDepsFor(get().db, payram), { referenceId: first.referenceId }, "webhook");
    expect((await findOrder(get().db, first.orderId))!.paid_at).not.toBeNull();
    expect(await shopperPage(first.orderId)).toEqual({
      stock: "soldOut",
      words: "Your payment arrived, but the items had sold out by then. The shop will contact you to refund you or to send them once they are back in stock.",
    });
    expect((await shopperPage(first.orderId, "fr")).words).toMatch(/^Votre paiement est arrivé, mais les articles étaient déjà épuisés/);
    // The merchant settles it (restocked, or refunded): the page stops saying so.
    await get().db.updateTable("attention_items").set({ resolved_at: new Date().toISOString(), resolution_note: "restocked" }).where("order_id", "=", first.orderId).execute();
    expect(await shopperPage(first.orderId)).toEqual({ stock: null, words: undefined });
  });

  it("after the merchant released an order's stock, Pay again (its payment over) holds it again through the caps, and it can be released again", async () => {
    await restock(1);
    const order = await placeOrder(get().db, payram);
    expect(await releaseOrderStock(get().db, order.orderId)).toMatchObject({ ok: true });
    await payram.control(`/payments/${order.referenceId}/cancel`, "POST");
    await syncPayment(syncDepsFor(get().db, payram), { referenceId: order.referenceId }, "webhook");
    expect(await stockOf()).toBe(1);
    expect(await payForOrder(checkoutDepsFor(get().db, payram), (await findOrder(get().db, order.orderId))!)).toMatchObject({ ok: true });
    expect(await stockOf()).toBe(0);
    expect(await releaseOrderStock(get().db, order.orderId)).toMatchObject({ ok: true, message: expect.stringContaining("Its stock is back on sale.") });
    expect(await stockOf()).toBe(1);
    expect(await releaseOrderStock(get().db, order.orderId)).toEqual({ ok: true, message: "Its stock was already released." });
  });

  it("releasing stock is refused for a paid order, and changes nothing on a cancelled one", async () => {
    await restock(2);
    const paid = await placeOrder(get().db, payram);
    await payram.deposit(paid.referenceId, "9.49");
    await syncPayment(syncDepsFor(get().db, payram), { referenceId: paid.referenceId }, "webhook");
    expect(await releaseOrderStock(get().db, paid.orderId)).toEqual({ ok: false, error: "This order is paid: its stock is kept for it. Cancel the order to put it back on sale." });
    expect(await held(paid.orderId)).toEqual([{ quantity: 1, released: false }]);
    const other = await placeOrder(get().db, payram, undefined, {}, "other@example.com");
    await payram.control(`/payments/${other.referenceId}/cancel`, "POST");
    await syncPayment(syncDepsFor(get().db, payram), { referenceId: other.referenceId }, "webhook");
    await cancelOrder(get().db, other.orderId);
    expect(await releaseOrderStock(get().db, other.orderId)).toEqual({ ok: true, message: "This order was cancelled: its stock is already back on sale." });
    expect(await stockOf()).toBe(1);
    expect(await releaseOrderStock(get().db, "00000000-0000-4000-8000-000000000000")).toEqual({ ok: false, error: "Unknown order." });
  });

  it("the merchant cancels a partly paid order: its stock is released although money arrived", async () => {
    await restock(1);
    const order = await placeOrder(get().db, payram);
    await payram.deposit(order.referenceId, "4.00");
    await payram.control(`/payments/${order.referenceId}/cancel`, "POST");
    await syncPayment(syncDepsFor(get().db, payram), { referenceId: order.referenceId }, "webhook");
    // Released at the payment's end already (issue 29.2); cancelling releases nothing twice.
    expect(await stockOf()).toBe(1);
    expect(await cancelOrder(get().db, order.orderId)).toEqual({ ok: true, message: "Cancelled. Part of the payment had arrived: refund the shopper below. Its stock is back on sale." });
    expect(await stockOf()).toBe(1);
  });

  it("an order whose checkout stopped before its first payment gives its stock back to the sweep", async () => {
    await restock(1);
    // The checkout recorded the order (reserving the piece), and the process stopped before it
    // opened a payment: an order with no attempt.
    const productId = await productIdOf(get().db, SLUG);
    const { cartId } = await readyCheckout(get().db);
    const order = await createOrder(get().db, {
      checkoutToken: "orphan-token",
      cart: { id: cartId, digest: "orphan-digest" },
      email: "shopper@example.com",
      shipping: null,
      lines: [{ productId, slug: SLUG, name: "Lo-Fi Sound Pack", unitPriceCents: 949, quantity: 1, lineTotalCents: 949, ships: false }],
      totalCents: 949,
    });
    expect(await stockOf()).toBe(0);
    // Not yet: a checkout may still be opening its payment.
    await sweepDue(syncDepsFor(get().db, payram), { payramTimeoutMs: 2_000 });
    expect(await stockOf()).toBe(0);
    await get().db.updateTable("orders").set({ created_at: new Date(Date.now() - 60_000).toISOString() }).where("id", "=", order.id).execute();
    await sweepDue(syncDepsFor(get().db, payram), { payramTimeoutMs: 2_000 });
    expect(await stockOf()).toBe(1);
    expect(await held(order.id)).toEqual([{ quantity: 1, released: true }]);
    // The shopper's retry of that checkout reserves again before PayRam is asked.
    expect(await payForOrder(checkoutDepsFor(get().db, payram), order)).toMatchObject({ ok: true });
    expect(await stockOf()).toBe(0);
  });

  describe("caps (issue 29.2): nobody holds all of a product", () => {
    const checkout = async (quantity: number, who: { email: string; client?: string }, db: Db = get().db) =>
      startCheckout(checkoutDepsFor(db, payram), await readyCheckout(db, quantity, who));
    const CAP_TEXT = (held: number, more: string) =>
      `Your unpaid orders already hold ${held} of Lo-Fi Sound Pack, and at most 20 can wait for payment at once (${more} more for now): pay for those orders first, or wait until their payments expire. Your cart is saved: please change it and pay again.`;

    it("one order takes at most the product's per-order maximum (10 unless the merchant sets another)", async () => {
      await restock(200);
      expect(inWordsOf(await checkout(11, { email: "many@example.com" }))).toEqual({
        ok: false,
        error: "You can buy at most 10 of Lo-Fi Sound Pack in one order. Your cart is saved: please change it and pay again.",
        reload: true,
      });
      expect(await stockOf()).toBe(200);
      expect(await checkout(10, { email: "many@example.com" })).toMatchObject({ ok: true });
      expect(await stockOf()).toBe(190);
      // The merchant allows more per order.
      await get().db.updateTable("products").set({ max_per_order: 25 }).where("slug", "=", SLUG).execute();
      expect(await checkout(25, { email: "wholesale@example.com" })).toMatchObject({ ok: true });
      expect(await stockOf()).toBe(165);
      await get().db.updateTable("products").set({ max_per_order: 10 }).where("slug", "=", SLUG).execute();
    });

    it("unpaid orders of one client, or of one email, hold at most 2 per-order maximums at once; paying or expiring frees the cap", async () => {
      await restock(200);
      // One address, a new email each time (the issue's 99 + 99 + 2 from one address).
      expect(await checkout(10, { email: "h1@example.com", client: "203.0.113.7" })).toMatchObject({ ok: true });
      expect(await checkout(10, { email: "h2@example.com", client: "203.0.113.7" })).toMatchObject({ ok: true });
      expect(inWordsOf(await checkout(1, { email: "h3@example.com", client: "203.0.113.7" }))).toEqual({ ok: false, error: CAP_TEXT(20, "none"), reload: true });
      // One email from other addresses.
      expect(await checkout(5, { email: "same@example.com", client: "198.51.100.1" })).toMatchObject({ ok: true });
      expect(await checkout(10, { email: "Same@Example.com", client: "198.51.100.2" })).toMatchObject({ ok: true });
      expect(inWordsOf(await checkout(6, { email: "same@example.com", client: "198.51.100.3" }))).toEqual({ ok: false, error: CAP_TEXT(15, "5"), reload: true });
      expect(await checkout(5, { email: "same@example.com", client: "198.51.100.3" })).toMatchObject({ ok: true });
      // Everyone else still buys.
      expect(await checkout(10, { email: "honest@example.com", client: "192.0.2.50" })).toMatchObject({ ok: true });
      expect(await stockOf()).toBe(200 - 20 - 20 - 10);

      // An expired order holds nothing, so it no longer counts.
      const [first] = await get().db.selectFrom("orders").innerJoin("payment_attempts", "payment_attempts.order_id", "orders.id").select(["orders.id", "payment_attempts.reference_id"]).where("orders.email", "=", "h1@example.com").execute();
      await payram.control(`/payments/${first!.reference_id}/cancel`, "POST");
      await syncPayment(syncDepsFor(get().db, payram), { referenceId: first!.reference_id! }, "webhook");
      expect(await checkout(10, { email: "h3@example.com", client: "203.0.113.7" })).toMatchObject({ ok: true });
      // "Pay again" on the expired order is capped too: the client holds 20 again.
      const payments = (await payram.payments()).length;
      expect(inWordsOf(await payForOrder(checkoutDepsFor(get().db, payram), (await findOrder(get().db, first!.id))!))).toEqual({
        ok: false,
        orderId: first!.id,
        error: CAP_TEXT(20, "none").replace("Your cart is saved: please change it and pay again.", "This order cannot be paid again; nothing was charged."),
      });
      expect(await payram.payments()).toHaveLength(payments);
    });

    it("one client checking out at once on several instances cannot slip past the cap", async () => {
      await restock(200);
      const handles = get().dialect === "postgres" ? [get().db, get().open(), get().open()] : [get().db, get().db, get().db];
      const ready = await Promise.all(handles.map((db, i) => readyCheckout(db, 10, { email: `race${i}@example.com`, client: "203.0.113.99" })));
      const results = await Promise.all(ready.map((input, i) => startCheckout(checkoutDepsFor(handles[i]!, payram), input)));
      expect(results.filter((result) => result.ok)).toHaveLength(2);
      expect(await stockOf()).toBe(180);
    });
  });

  describe("a reservation's lifetime (issue 29.2): Pay again does not extend it", () => {
    /** An order whose payment was cancelled with nothing received (its stock released), its first reservation `minutesAgo` old. */
    async function releasedOrder(minutesAgo: number) {
      await restock(1);
      const order = await placeOrder(get().db, payram);
      await payram.control(`/payments/${order.referenceId}/cancel`, "POST");
      await syncPayment(syncDepsFor(get().db, payram), { referenceId: order.referenceId }, "webhook");
      await get().db.updateTable("stock_reservations").set({ created_at: new Date(Date.now() - minutesAgo * 60_000).toISOString() }).where("order_id", "=", order.orderId).execute();
      return order;
    }

    it("Pay again once the order first reserved its stock 2 hours ago is refused before PayRam is asked; the stock stays on sale", async () => {
      const order = await releasedOrder(121);
      const payments = (await payram.payments()).length;
      expect(inWordsOf(await payForOrder(checkoutDepsFor(get().db, payram), (await findOrder(get().db, order.orderId))!))).toEqual({
        ok: false,
        orderId: order.orderId,
        error: "This order held its items for the longest time the shop allows (2 hours), and they are back on sale: it cannot be paid again. Nothing was charged; please place a new order.",
      });
      expect(await payram.payments()).toHaveLength(payments);
      expect(await stockOf()).toBe(1);
    });

    it("a payment opened by Pay again expires when the reservation's 2 hours end, not an hour later", async () => {
      const order = await releasedOrder(90);
      const start = Date.parse((await get().db.selectFrom("stock_reservations").select("created_at").where("order_id", "=", order.orderId).executeTakeFirstOrThrow()).created_at);
      expect(await payForOrder(checkoutDepsFor(get().db, payram), (await findOrder(get().db, order.orderId))!)).toMatchObject({ ok: true });
      const attempt = await get().db.selectFrom("payment_attempts").select("expires_at").where("order_id", "=", order.orderId).where("state", "=", "OPEN").executeTakeFirstOrThrow();
      expect(Date.parse(attempt.expires_at!)).toBe(start + 2 * 60 * 60_000);
    });
  });
});
