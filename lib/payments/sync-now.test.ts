import { expect, it, vi } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { emulatorPerFile } from "@/test/emulator-per-file";
import { orderState, placeOrder } from "@/test/shop";
import { syncPayment } from "./sync";
import { describeSyncNow, syncOrderNow } from "./sync-now";

const payram = emulatorPerFile();

/** What the merchant reads after pressing "Sync with PayRam now" on an order. */
describeOnEachDatabase("the merchant's sync now", (get) => {
  const deps = () => ({ db: get().db, payram: payram.client });
  const syncNow = async (orderId: string) => describeSyncNow(await syncOrderNow(deps(), orderId));

  /** PayRam's state of a payment at the emulator, once it got there. */
  const settledAt = (referenceId: string, state: string) =>
    vi.waitFor(
      async () => {
        const payment = (await payram.payments()).find((p) => p.referenceId === referenceId);
        if (payment?.state !== state) throw new Error(`${referenceId} is ${payment?.state}, not yet ${state}`);
      },
      { timeout: 5_000, interval: 20 },
    );

  it("asks PayRam about every reference that may still move: a top-up filled and the first payment expired are both taken, and the order is paid", async () => {
    // PayRam as its Shopify connector reads it: a top-up after an underpayment is a new request.
    // Deposits confirm for a moment, so the shop first sees the top-up open.
    await payram.control("/config", "PUT", { api: { topUp: "new-reference", cancelOnCreate: "open-only" }, confirmations: { required: 2, durationMs: 400 } });
    const order = await placeOrder(get().db, payram);
    await payram.deposit(order.referenceId, "5.00");
    await settledAt(order.referenceId, "PARTIALLY_FILLED");
    await syncPayment(deps(), { referenceId: order.referenceId }, "webhook");
    const topUp = ((await payram.deposit(order.referenceId, "4.49")) as { referenceId: string }).referenceId;
    // The top-up's first delivery arrives while it confirms: adopted, still open.
    await syncPayment(deps(), { referenceId: topUp, customer: { id: `order_${order.orderNumber}`, email: null } }, "webhook");
    expect((await orderState(get().db, order.orderId)).attempts.map((a) => a.state)).toEqual(["PARTIALLY_FILLED", "OPEN"]);

    // Then the shop hears nothing more: the top-up confirms and the first request expires at PayRam.
    await settledAt(topUp, "FILLED");
    await payram.control(`/payments/${order.referenceId}/expire`, "POST");

    expect(await syncNow(order.orderId)).toEqual({
      message: "Updated from PayRam: 2 payments checked, payment 1 partly paid → cancelled or expired; payment 2 awaiting payment → paid in full; order paid and queued for fulfilment.",
      error: null,
    });
    const state = await orderState(get().db, order.orderId);
    expect(state).toMatchObject({ paid: true, fulfilments: [{ kind: "deliver" }] });
    expect(state.attempts.map((a) => a.state)).toEqual(["CANCELLED", "FILLED"]);

    // Once every reference is final, only the newest is asked about.
    const before = await payram.statusCalls(order.referenceId);
    expect(await syncNow(order.orderId)).toEqual({ message: "No change from PayRam: 1 payment checked, still paid in full.", error: null });
    expect(await payram.statusCalls(order.referenceId)).toBe(before);
  });

  it("says what is unchanged, and what PayRam could not be asked", async () => {
    const order = await placeOrder(get().db, payram);
    expect(await syncNow(order.orderId)).toEqual({ message: "No change from PayRam: 1 payment checked, still awaiting payment.", error: null });
    await payram.deposit(order.referenceId, "4.00");
    expect(await syncNow(order.orderId)).toEqual({ message: "Updated from PayRam: 1 payment checked, awaiting payment → partly paid.", error: null });
    await payram.deposit(order.referenceId, "1.00");
    expect(await syncNow(order.orderId)).toEqual({ message: "Updated from PayRam: 1 payment checked, partly paid, $5.00 received now.", error: null });

    await payram.control("/config", "PUT", { faults: { status: { mode: "502" } } });
    const failed = await syncNow(order.orderId);
    expect(failed.message).toBeNull();
    expect(failed.error).toMatch(/^PayRam could not be asked: /);
    expect((await orderState(get().db, order.orderId)).attempts.map((a) => a.state)).toEqual(["PARTIALLY_FILLED"]);
  });

  it("an order without a PayRam payment has nothing to sync", async () => {
    await payram.control("/config", "PUT", { faults: { create: { mode: "500", count: 1 } } });
    await expect(placeOrder(get().db, payram)).rejects.toThrow();
    const failed = await get().db.selectFrom("payment_attempts").select("order_id").where("state", "=", "START_FAILED").orderBy("created_at", "desc").executeTakeFirstOrThrow();
    expect(await syncOrderNow(deps(), failed.order_id)).toBeNull();
    expect(await syncNow(failed.order_id)).toEqual({ message: "This order has no PayRam payment to sync.", error: null });
  });
});
