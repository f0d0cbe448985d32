import { afterEach, expect, it, vi } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { emulatorPerFile } from "@/test/emulator-per-file";
import { checkoutDepsFor, orderState, placeOrder, TEST_ADDRESS, TEST_SECRET } from "@/test/shop";
import { addToCart, getCart } from "../cart";
import { productIdOf } from "../catalog";
import { log } from "../log";
import { payForOrder, startCheckout, type CheckoutDeps } from "./checkout";
import { issueCheckoutToken } from "./token";
import { orderStatus } from "../views/status";
import { syncPayment } from "../payments/sync";
import { inWordsOf } from "@/test/said";

/**
 * "Pay the remaining $X" after a partly paid payment was cancelled, no second payment while one is
 * open, and a payment page on localhost named as PayRam's unset Site URL: all through the real
 * checkout, over HTTP against the emulator, on SQLite and Postgres.
 */
const payram = emulatorPerFile();

afterEach(() => vi.restoreAllMocks());

describeOnEachDatabase("paying what is left of an order", (get) => {
  const deps = (): CheckoutDeps => checkoutDepsFor(get().db, payram);
  const sync = (referenceId: string) => syncPayment({ db: get().db, payram: payram.client }, { referenceId }, "poll");
  const order = (id: string) => get().db.selectFrom("orders").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  const view = (id: string) => orderStatus({ db: get().db, payram: payram.client }, id, { syncIntervalMs: 0 });

  /** An order of $9.49 with $1.00 received on its first payment, which PayRam then closed. */
  async function partlyPaidThenClosed(how: "cancel" | "expire") {
    const placed = await placeOrder(get().db, payram);
    await payram.deposit(placed.referenceId, "1.00");
    await payram.control(`/payments/${placed.referenceId}/${how}`, "POST");
    await sync(placed.referenceId);
    return placed;
  }

  it("a remaining payment PayRam still calls short is not paid by USD sums, though the price rose to the total", async () => {
    const placed = await partlyPaidThenClosed("cancel");
    const opened = await payForOrder(deps(), await order(placed.orderId));
    if (!opened.ok) throw new Error(inWordsOf(opened.error));
    const remainder = (await payram.payments()).find((p) => p.referenceId !== placed.referenceId)!;
    // $8.48 of the $8.49 asked arrives, worth $8.49 by the time PayRam reports it: PARTIALLY_FILLED.
    await payram.control(`/payments/${remainder.referenceId}/deposit`, "POST", { amountInUSD: "8.48", valueInUSD: "8.49" });
    expect(await sync(remainder.referenceId)).toMatchObject({ to: "PARTIALLY_FILLED", fulfilled: false });
    expect((await order(placed.orderId)).paid_at).toBeNull();
    // The last cent: PayRam calls it FILLED, and the order is paid once.
    await payram.deposit(remainder.referenceId, "0.01");
    expect(await sync(remainder.referenceId)).toMatchObject({ to: "FILLED", fulfilled: true });
  });

  it("an overpayment PayRam calls OVER_FILLED credits at least what it asked, though what arrived is now worth less in USD", async () => {
    const placed = await placeOrder(get().db, payram);
    await payram.control(`/payments/${placed.referenceId}/deposit`, "POST", { amountInUSD: "9.60", valueInUSD: "9.40" });
    expect(await sync(placed.referenceId)).toMatchObject({ to: "OVER_FILLED", fulfilled: true });
    // Valued at the quote, as PayRam measured it (a stablecoin's amount): 9.60, 0.11 more than
    // asked — the same as the same money in two transfers under either reading of top-ups.
    expect((await order(placed.orderId)).received_cents).toBe(960);
    expect(await view(placed.orderId)).toMatchObject({ paid: true, receivedUsd: "9.60", remainingUsd: "0.00", surplusUsd: "0.11" });
  });

  it.each(["cancel", "expire"] as const)("after a partly paid payment is closed (%s), pays the remaining amount once and the order once", async (how) => {
    const placed = await partlyPaidThenClosed(how);
    expect(await view(placed.orderId)).toMatchObject({ state: "CANCELLED", receivedUsd: "1.00", remainingUsd: "8.49", payAgain: { kind: "remaining", amountUsd: "8.49" } });

    // Two clicks (or two tabs) at once: one new PayRam payment, for total − received, decided by the server.
    const [a, b] = await Promise.all([payForOrder(deps(), await order(placed.orderId)), payForOrder(deps(), await order(placed.orderId))]);
    if (!a.ok || !b.ok) throw new Error(`${a.ok ? "" : a.error} ${b.ok ? "" : b.error}`);
    const remainder = (await payram.payments()).filter((p) => p.referenceId !== placed.referenceId);
    expect(remainder).toEqual([expect.objectContaining({ amountInUSD: "8.49", invoiceId: `${placed.orderNumber}-2`, customerId: `order_${placed.orderNumber}`, state: "OPEN" })]);
    expect(a.redirectTo).toBe(remainder[0]!.url);
    expect(b.redirectTo).toBe(remainder[0]!.url);
    // While it is open, the button is gone and another click leads to it, opening nothing.
    expect(await view(placed.orderId)).toMatchObject({ state: "OPEN", payAgain: null, paymentUrl: remainder[0]!.url });
    expect(await payForOrder(deps(), await order(placed.orderId))).toEqual({ ok: true, orderId: placed.orderId, redirectTo: remainder[0]!.url });
    expect(await payram.payments()).toHaveLength(2);

    await payram.deposit(remainder[0]!.referenceId, "8.49");
    expect(await sync(remainder[0]!.referenceId)).toMatchObject({ to: "FILLED", fulfilled: true });
    // A repeated delivery fulfils nothing more.
    expect(await sync(remainder[0]!.referenceId)).toMatchObject({ outcome: "unchanged", fulfilled: false });

    const state = await orderState(get().db, placed.orderId);
    expect(state).toMatchObject({
      paid: true,
      attempts: [
        { attempt_number: 1, state: "CANCELLED", amount_received_cents: 100 },
        { attempt_number: 2, state: "FILLED", amount_received_cents: 849 },
      ],
    });
    expect(state.fulfilments).toHaveLength(1);
    expect((await order(placed.orderId)).received_cents).toBe(949);
    expect(state.attention.map((a) => a.kind)).not.toContain("over_filled");
    // The money kept by the cancelled payment was flagged; paid in full, the flag resolved itself.
    const flagged = await get().db.selectFrom("attention_items").select(["kind", "resolved_at"]).where("order_id", "=", placed.orderId).where("kind", "=", "cancelled_with_funds").execute();
    expect(flagged).toEqual([{ kind: "cancelled_with_funds", resolved_at: expect.any(String) }]);
    expect(await view(placed.orderId)).toMatchObject({ paid: true, receivedUsd: "9.49", remainingUsd: "0.00", payAgain: null });
    // Paid: never another payment.
    expect(await payForOrder(deps(), await order(placed.orderId))).toEqual({ ok: true, orderId: placed.orderId, redirectTo: `/orders/${placed.orderId}` });
    expect(await payram.payments()).toHaveLength(2);
  });

  it("flags a remainder paid with more than it asked, and pays the order once", async () => {
    const placed = await partlyPaidThenClosed("cancel");
    const again = await payForOrder(deps(), await order(placed.orderId));
    if (!again.ok) throw new Error(inWordsOf(again.error));
    const [remainder] = (await payram.payments()).filter((p) => p.referenceId !== placed.referenceId);
    await payram.deposit(remainder!.referenceId, "9.49");
    expect(await sync(remainder!.referenceId)).toMatchObject({ to: "OVER_FILLED", fulfilled: true });
    const state = await orderState(get().db, placed.orderId);
    expect(state).toMatchObject({ paid: true, fulfilments: [expect.anything()] });
    expect(state.attention.map((a) => a.kind)).toContain("over_filled");
  });

  it("sends the shopper to the payment still open instead of opening another, partly paid or not", async () => {
    const placed = await placeOrder(get().db, payram);
    expect(await payForOrder(deps(), await order(placed.orderId))).toEqual({ ok: true, orderId: placed.orderId, redirectTo: placed.attempt.payment_url });
    await payram.deposit(placed.referenceId, "1.00");
    await sync(placed.referenceId);
    expect(await view(placed.orderId)).toMatchObject({ state: "PARTIALLY_FILLED", payAgain: null });
    expect(await payForOrder(deps(), await order(placed.orderId))).toEqual({ ok: true, orderId: placed.orderId, redirectTo: placed.attempt.payment_url });
    expect(await payram.payments()).toEqual([expect.objectContaining({ referenceId: placed.referenceId, state: "PARTIALLY_FILLED" })]);
  });

  it("pays again for the whole total when nothing arrived before the cancellation", async () => {
    const placed = await placeOrder(get().db, payram);
    await payram.control(`/payments/${placed.referenceId}/cancel`, "POST");
    await sync(placed.referenceId);
    expect(await view(placed.orderId)).toMatchObject({ payAgain: { kind: "again", amountUsd: "9.49" } });
    const again = await payForOrder(deps(), await order(placed.orderId));
    if (!again.ok) throw new Error(inWordsOf(again.error));
    expect((await payram.payments()).map((p) => p.amountInUSD)).toEqual(["9.49", "9.49"]);
  });

  it("names PayRam's unset Site URL when its payment page is on localhost, and never sends the shopper there", async () => {
    await payram.control("/config", "PUT", { api: { siteUrlUnset: true } });
    const logged = vi.spyOn(log, "error");
    // The shop's PayRam is public; its answers still come from the emulator over HTTP.
    const shopDeps: CheckoutDeps = { ...deps(), payramBaseUrl: "https://pay.example.com", checkoutOrigins: ["https://pay.example.com"] };
    const added = await addToCart(get().db, undefined, await productIdOf(get().db, "lofi-sound-pack"), 1);
    if (!added.ok) throw new Error(inWordsOf(added.error));
    const token = issueCheckoutToken(TEST_SECRET, await getCart(get().db, added.cartId));
    const result = await startCheckout(shopDeps, { cartId: added.cartId, form: { token, email: "site-url@example.com", ...TEST_ADDRESS } });

    expect(inWordsOf(result)).toEqual({ ok: false, error: expect.stringMatching(/payment service is not set up correctly.*Nothing was charged/) });
    const row = await get().db.selectFrom("orders").select("id").where("checkout_token", "=", token).executeTakeFirstOrThrow();
    const [attempt] = await get().db.selectFrom("payment_attempts").selectAll().where("order_id", "=", row.id).execute();
    expect(attempt).toMatchObject({ state: "START_FAILED", payment_url: null });
    expect(attempt!.failure_reason).toMatch(/http:\/\/localhost.*Site URL setting is not set/);
    expect((await orderState(get().db, row.id)).attention).toEqual([expect.objectContaining({ kind: "start_failed", detail: expect.stringMatching(/Site URL/) })]);
    expect(logged).toHaveBeenCalledWith(expect.objectContaining({ paymentOrigin: "http://localhost" }), expect.stringMatching(/Site URL in PayRam's settings/));
    // The cart is kept for a try once PayRam is fixed.
    expect((await getCart(get().db, added.cartId)).itemCount).toBe(1);
  });

  it("follows a payment page on localhost when PayRam itself is configured on localhost (development)", async () => {
    await payram.control("/config", "PUT", { api: { siteUrlUnset: true } });
    const local: CheckoutDeps = { ...deps(), payramBaseUrl: "http://localhost:4000", checkoutOrigins: ["http://localhost"] };
    const added = await addToCart(get().db, undefined, await productIdOf(get().db, "lofi-sound-pack"), 1);
    if (!added.ok) throw new Error(inWordsOf(added.error));
    const token = issueCheckoutToken(TEST_SECRET, await getCart(get().db, added.cartId));
    const result = await startCheckout(local, { cartId: added.cartId, form: { token, email: "dev@example.com" } });
    expect(result).toMatchObject({ ok: true, redirectTo: expect.stringMatching(/^http:\/\/localhost\/payments\?reference_id=/) });
  });
});
