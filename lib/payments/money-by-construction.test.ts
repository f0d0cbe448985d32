import { expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { emulatorPerFile } from "@/test/emulator-per-file";
import { orderState, placeOrder, topUpUnderNewReference } from "@/test/shop";
import { readPaymentStatus, type PayramClient } from "../payram/client";
import { refundableCents } from "../rules/refundable";
import { describeForShopper } from "../rules/states";
import { orderStatus } from "../views/status";
import { syncPayment, type SyncDeps } from "./sync";

/**
 * Issue 28, "Money by construction": the order's money follows PayRam's word on each of its
 * references, never USD values that drifted since the quote, and amounts are rounded once.
 * Each test is one of the findings (M1, M2, L3, and the held overpayment).
 */
const payram = emulatorPerFile();

/** A transfer worth `amountInUSD` at the quote, which PayRam reports worth `valueInUSD` now. */
function depositDrifted(referenceId: string, amountInUSD: string, valueInUSD: string) {
  return payram.control<{ referenceId?: string }>(`/payments/${referenceId}/deposit`, "POST", { amountInUSD, valueInUSD });
}

/** The emulator's client, except that some references answer with the body given here (as PayRam writes it). */
function answering(bodies: Record<string, Record<string, unknown>>): PayramClient {
  return {
    ...payram.client,
    getPayment: async (referenceId) => (bodies[referenceId] ? readPaymentStatus(referenceId, bodies[referenceId]) : payram.client.getPayment(referenceId)),
  };
}

describeOnEachDatabase("money by construction (issue 28)", (get) => {
  const deps = (client: PayramClient = payram.client): SyncDeps => ({ db: get().db, payram: client });
  const orderRow = (orderId: string) => get().db.selectFrom("orders").selectAll().where("id", "=", orderId).executeTakeFirstOrThrow();

  it("M1: a price rise during a partial payment invents no surplus once PayRam says FILLED", async () => {
    const order = await placeOrder(get().db, payram);
    await depositDrifted(order.referenceId, "9.00", "9.60");
    expect(await syncPayment(deps(), { referenceId: order.referenceId }, "webhook")).toMatchObject({ to: "PARTIALLY_FILLED", fulfilled: false });
    await depositDrifted(order.referenceId, "0.49", "0.49");
    expect(await syncPayment(deps(), { referenceId: order.referenceId }, "webhook")).toMatchObject({ to: "FILLED", fulfilled: true });

    // The same crypto in one transfer books 9.49 and nothing to refund: so must two transfers.
    const row = await orderRow(order.orderId);
    expect(row.received_cents).toBe(949);
    expect(refundableCents(row, [])).toBe(0);
    expect((await orderState(get().db, order.orderId)).attention).toEqual([]);
    const view = await orderStatus(deps(), order.orderId);
    expect(view).toMatchObject({ paid: true, receivedUsd: "9.49", surplusUsd: "0.00", remainingUsd: "0.00" });
  });

  it("M1: a partial payment that expires after a price rise is short by what PayRam says is missing, and offers the rest", async () => {
    const order = await placeOrder(get().db, payram);
    await depositDrifted(order.referenceId, "9.00", "9.60");
    await syncPayment(deps(), { referenceId: order.referenceId }, "webhook");
    await payram.control(`/payments/${order.referenceId}/expire`, "POST");
    expect(await syncPayment(deps(), { referenceId: order.referenceId }, "sweep")).toMatchObject({ to: "CANCELLED", fulfilled: false });

    const view = await orderStatus(deps(), order.orderId);
    expect(view).toMatchObject({ paid: false, receivedUsd: "9.00", remainingUsd: "0.49", payAgain: { kind: "remaining", amountUsd: "0.49" } });
    expect(describeForShopper(view!).body).toContain("$0.49 is still to pay");
  });

  it("M2: under the new-reference reading, a 1-cent top-up does not pay an order PayRam still calls short", async () => {
    const order = await placeOrder(get().db, payram);
    await payram.control("/config", "PUT", { api: { topUp: "new-reference" } });
    await depositDrifted(order.referenceId, "8.40", "9.49");
    await syncPayment(deps(), { referenceId: order.referenceId }, "webhook");
    const topUp = await topUpUnderNewReference(payram, order.referenceId, "0.01");
    const customer = { id: `order_${order.orderNumber}`, email: "shopper@example.com" };
    expect(await syncPayment(deps(), { referenceId: topUp, customer }, "webhook")).toMatchObject({ to: "FILLED", fulfilled: false });

    expect(await orderState(get().db, order.orderId)).toMatchObject({ paid: false, fulfilments: [] });
    const view = await orderStatus(deps(), order.orderId);
    expect(view).toMatchObject({ paid: false, receivedUsd: "8.41", remainingUsd: "1.08" });
  });

  it("M2: under the same-reference reading, the same money does not pay the order either", async () => {
    const order = await placeOrder(get().db, payram);
    await depositDrifted(order.referenceId, "8.40", "9.49");
    await syncPayment(deps(), { referenceId: order.referenceId }, "webhook");
    await depositDrifted(order.referenceId, "0.01", "0.01");
    expect(await syncPayment(deps(), { referenceId: order.referenceId }, "webhook")).toMatchObject({ to: "PARTIALLY_FILLED", fulfilled: false });
    const view = await orderStatus(deps(), order.orderId);
    expect(view).toMatchObject({ paid: false, receivedUsd: "8.41", remainingUsd: "1.08" });
  });

  it("L3: what arrived is rounded once and down: a cancelled payment's refund never exceeds it", async () => {
    const order = await placeOrder(get().db, payram);
    // An asset PayRam does not price 1:1 with USD: only the USD value says what arrived.
    const client = answering({
      [order.referenceId]: { paymentState: "CANCELLED", amountInUSD: "9.49", filledAmount: "0.001665", filledAmountInUSD: "4.995", currencySymbol: "ETH", customerID: `order_${order.orderNumber}` },
    });
    expect(await syncPayment(deps(client), { referenceId: order.referenceId }, "sweep")).toMatchObject({ to: "CANCELLED" });
    const row = await orderRow(order.orderId);
    expect(row.received_cents).toBe(499);
    expect(refundableCents({ ...row, cancelled_at: new Date().toISOString() }, [])).toBe(499);
  });

  it("L3: short amounts with fractions of a cent do not reach the total early", async () => {
    const order = await placeOrder(get().db, payram);
    const customer = { id: `order_${order.orderNumber}`, email: "shopper@example.com" };
    const own = await payram.client.createPayment({ customerEmail: customer.email, customerId: customer.id, invoiceId: "", amountCents: 474 });
    await payram.deposit(own.referenceId, "4.74");
    const client = answering({
      [order.referenceId]: { paymentState: "PARTIALLY_FILLED", amountInUSD: "9.49", filledAmount: "0.0015816", filledAmountInUSD: "4.745", currencySymbol: "ETH", customerID: customer.id },
    });
    await syncPayment(deps(client), { referenceId: order.referenceId }, "webhook");
    // 4.745 + 4.74 = 9.485: half a cent short of 9.49, however each is rounded for display.
    expect(await syncPayment(deps(client), { referenceId: own.referenceId, customer }, "webhook")).toMatchObject({ to: "FILLED", fulfilled: false });
    expect(await orderState(get().db, order.orderId)).toMatchObject({ paid: false, fulfilments: [] });
    const view = await orderStatus(deps(client), order.orderId);
    expect(view).toMatchObject({ paid: false, receivedUsd: "9.48", remainingUsd: "0.01" });
  });

  it("an overpayment PayRam holds for another amount is under review for the shopper, not 'Paid — thank you!'", async () => {
    const order = await placeOrder(get().db, payram);
    const other = await payram.client.createPayment({ customerEmail: "x@example.com", customerId: "someone_else", invoiceId: "x", amountCents: 100 });
    await get().db.updateTable("payment_attempts").set({ reference_id: other.referenceId }).where("id", "=", order.attempt.id).execute();
    await payram.deposit(other.referenceId, "2.00");
    expect(await syncPayment(deps(), { referenceId: other.referenceId }, "webhook")).toMatchObject({ to: "OVER_FILLED", fulfilled: false });
    const view = await orderStatus(deps(), order.orderId);
    expect(view).toMatchObject({ paid: false });
    const said = describeForShopper(view!);
    expect(said.title).not.toBe("Paid — thank you!");
    expect(said.tone).toBe("warn");
  });
});
