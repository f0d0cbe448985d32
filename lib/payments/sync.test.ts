import { expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { emulatorPerFile } from "@/test/emulator-per-file";
import { checkoutDepsFor, orderState, placeOrder } from "@/test/shop";
import type { PayramClient } from "../payram/client";
import { payForOrder } from "../checkout/checkout";
import { describeForShopper } from "../rules/states";
import { orderStatus } from "../views/status";
import { syncPayment, type SyncDeps } from "./sync";

const payram = emulatorPerFile();


describeOnEachDatabase("syncPayment against the emulator", (get) => {
  const deps = (): SyncDeps => ({ db: get().db, payram: payram.client });
  const deposit = payram.deposit;

  it("takes an order through a partial payment to paid, fulfilling it once", async () => {
    const order = await placeOrder(get().db, payram, [["aurora-desk-lamp", 1]]);
    await deposit(order.referenceId, "40.00");
    expect(await syncPayment(deps(), { referenceId: order.referenceId }, "poll")).toMatchObject({ outcome: "changed", from: "OPEN", to: "PARTIALLY_FILLED", fulfilled: false });
    expect(await orderState(get().db, order.orderId)).toMatchObject({ paid: false, attempts: [{ state: "PARTIALLY_FILLED", amount_received_cents: 4000 }], fulfilments: [] });

    await deposit(order.referenceId, "49.00");
    const paid = await syncPayment(deps(), { referenceId: order.referenceId }, "webhook");
    expect(paid).toMatchObject({ outcome: "changed", from: "PARTIALLY_FILLED", to: "FILLED", fulfilled: true });
    // Duplicates and repeats change nothing and fulfil nothing more.
    for (let i = 0; i < 3; i++) expect(await syncPayment(deps(), { referenceId: order.referenceId }, "webhook")).toMatchObject({ outcome: "unchanged", fulfilled: false });

    const state = await orderState(get().db, order.orderId);
    expect(state).toMatchObject({ paid: true, attempts: [{ state: "FILLED", amount_received_cents: 8900 }], fulfilments: [{ kind: "ship" }], attention: [] });
    expect(state.events.map((e) => `${e.source}:${e.from_state}->${e.to_state}`)).toEqual([
      "checkout:null->STARTING",
      "checkout:STARTING->OPEN",
      "poll:OPEN->PARTIALLY_FILLED",
      "webhook:PARTIALLY_FILLED->FILLED",
    ]);
  });

  it("records a second partial deposit as news within the same state", async () => {
    const order = await placeOrder(get().db, payram, [["aurora-desk-lamp", 1]]);
    await deposit(order.referenceId, "10.00");
    await syncPayment(deps(), { referenceId: order.referenceId }, "poll");
    await deposit(order.referenceId, "10.00");
    expect(await syncPayment(deps(), { referenceId: order.referenceId }, "poll")).toMatchObject({ outcome: "changed", to: "PARTIALLY_FILLED" });
    expect((await orderState(get().db, order.orderId)).attempts).toEqual([{ attempt_number: 1, state: "PARTIALLY_FILLED", amount_received_cents: 2000 }]);
  });

  it("keeps a paid order paid when a stale OPEN or PARTIALLY_FILLED answer arrives later", async () => {
    const order = await placeOrder(get().db, payram);
    await deposit(order.referenceId, "9.49");
    await syncPayment(deps(), { referenceId: order.referenceId }, "webhook");
    // A lagging replica or an old cached answer: PayRam reporting an earlier state.
    for (const state of ["OPEN", "PARTIALLY_FILLED"] as const) {
      const stale: PayramClient = {
        ...payram.client,
        getPayment: async (referenceId) => ({ referenceId, state, reportedState: state, customerId: null, invoiceId: null, amountCents: 949, filledCents: state === "OPEN" ? null : 100, filledUsd: state === "OPEN" ? null : "1.00", filledAtQuoteUsd: null, currency: null, network: null, depositAddress: null, confirmations: null }),
      };
      expect(await syncPayment({ db: get().db, payram: stale }, { referenceId: order.referenceId }, "webhook")).toMatchObject({ outcome: "unchanged" });
    }
    expect(await orderState(get().db, order.orderId)).toMatchObject({ paid: true, attempts: [{ state: "FILLED" }], fulfilments: [{ kind: "deliver" }] });
  });

  it.each(["camel", "snake"] as const)("keeps the state it knew when PayRam reports UNDEFINED (%s bodies), and flags the order", async (statusShape) => {
    const order = await placeOrder(get().db, payram);
    await deposit(order.referenceId, "5.00");
    await payram.control("/config", "PUT", { api: { statusShape }, faults: { status: { mode: "undefined" } } });
    expect(await syncPayment(deps(), { referenceId: order.referenceId }, "sweep")).toMatchObject({ outcome: "unchanged", fulfilled: false });
    expect(await syncPayment(deps(), { referenceId: order.referenceId }, "sweep")).toMatchObject({ outcome: "unchanged" });
    expect(await orderState(get().db, order.orderId)).toMatchObject({
      paid: false,
      attempts: [{ state: "OPEN" }],
      // Once per payment, however often PayRam repeats it.
      attention: [{ kind: "unknown_state", detail: 'PayRam reported the state "UNDEFINED"; the shop kept OPEN and will ask again' }],
    });
    // PayRam's next real answer still moves the order on.
    await payram.control("/config", "PUT", { faults: { status: { mode: "none" } } });
    expect(await syncPayment(deps(), { referenceId: order.referenceId }, "sweep")).toMatchObject({ outcome: "changed", to: "PARTIALLY_FILLED" });
  });

  it("fulfils an over-paid order and flags the surplus for the merchant", async () => {
    const order = await placeOrder(get().db, payram);
    await deposit(order.referenceId, "12.00");
    expect(await syncPayment(deps(), { referenceId: order.referenceId }, "sweep")).toMatchObject({ to: "OVER_FILLED", fulfilled: true });
    expect(await orderState(get().db, order.orderId)).toMatchObject({
      paid: true,
      attention: [{ kind: "over_filled", detail: "received 12.00 USD for 9.49 USD: 2.51 USD more" }],
    });
  });

  it("closes a cancelled payment, flags funds received, and lets the order pay again", async () => {
    const quiet = await placeOrder(get().db, payram);
    await payram.control(`/payments/${quiet.referenceId}/cancel`, "POST");
    expect(await syncPayment(deps(), { referenceId: quiet.referenceId }, "sweep")).toMatchObject({ to: "CANCELLED" });
    expect(await orderState(get().db, quiet.orderId)).toMatchObject({ paid: false, attention: [] });
    const order = await get().db.selectFrom("orders").selectAll().where("id", "=", quiet.orderId).executeTakeFirstOrThrow();
    const again = await payForOrder(checkoutDepsFor(get().db, payram), order);
    expect(again.ok).toBe(true);
    expect((await orderState(get().db, quiet.orderId)).attempts.map((a) => a.state)).toEqual(["CANCELLED", "OPEN"]);

    const partial = await placeOrder(get().db, payram);
    await deposit(partial.referenceId, "5.00");
    await payram.control(`/payments/${partial.referenceId}/expire`, "POST");
    await syncPayment(deps(), { referenceId: partial.referenceId }, "sweep");
    expect(await orderState(get().db, partial.orderId)).toMatchObject({
      paid: false,
      attempts: [{ state: "CANCELLED", amount_received_cents: 500 }],
      attention: [{ kind: "cancelled_with_funds", detail: "cancelled after 5.00 USD of 9.49 USD was received" }],
    });
  });

  it("never fulfils a payment whose PayRam amount differs from the order's", async () => {
    const order = await placeOrder(get().db, payram);
    // PayRam holds a payment for 1.00 under this attempt's reference (a tampered or confused record).
    const other = await payram.client.createPayment({ customerEmail: "x@example.com", customerId: "someone_else", invoiceId: "x", amountCents: 100 });
    await get().db.updateTable("payment_attempts").set({ reference_id: other.referenceId }).where("id", "=", order.attempt.id).execute();
    await deposit(other.referenceId, "1.00");
    expect(await syncPayment(deps(), { referenceId: other.referenceId }, "webhook")).toMatchObject({ to: "FILLED", fulfilled: false });
    expect(await orderState(get().db, order.orderId)).toMatchObject({
      paid: false,
      fulfilments: [],
      attention: [{ kind: "amount_mismatch", detail: "PayRam's payment is for 1.00 USD, the order's for 9.49 USD: not fulfilled automatically" }],
    });
  });

  it.each([
    ["snake_case bodies", { api: { statusShape: "snake" } }],
    ["numeric amounts", { api: { amounts: "number" } }],
    ["the old CANCELED spelling", { api: { cancelledSpelling: "CANCELED" } }],
  ])("reaches the same result with %s", async (_name, config) => {
    await payram.control("/config", "PUT", config);
    const paid = await placeOrder(get().db, payram);
    await deposit(paid.referenceId, "3.00");
    await syncPayment(deps(), { referenceId: paid.referenceId }, "poll");
    await deposit(paid.referenceId, "6.49");
    await syncPayment(deps(), { referenceId: paid.referenceId }, "poll");
    expect(await orderState(get().db, paid.orderId)).toMatchObject({ paid: true, attempts: [{ state: "FILLED" }], fulfilments: [{ kind: "deliver" }] });

    const cancelled = await placeOrder(get().db, payram);
    await payram.control(`/payments/${cancelled.referenceId}/cancel`, "POST");
    await syncPayment(deps(), { referenceId: cancelled.referenceId }, "poll");
    expect((await orderState(get().db, cancelled.orderId)).attempts).toMatchObject([{ state: "CANCELLED" }]);
  });

  it("shares one PayRam request among concurrent syncs of one reference", async () => {
    const order = await placeOrder(get().db, payram);
    await deposit(order.referenceId, "9.49");
    const before = await payram.statusCalls(order.referenceId);
    const results = await Promise.all(Array.from({ length: 10 }, () => syncPayment(deps(), { referenceId: order.referenceId }, "poll")));
    const after = await payram.statusCalls(order.referenceId);
    expect(after - before).toBe(1);
    // They share the one answer; one of them reports the change and the one fulfilment.
    expect(results.map((r) => r.outcome).sort()).toEqual(["changed", ...Array(9).fill("unchanged")]);
    expect(results.filter((r) => r.fulfilled)).toHaveLength(1);
    expect((await orderState(get().db, order.orderId)).fulfilments).toHaveLength(1);
  });

  it("answers unknown references without touching anything, and finds an attempt by invoice id", async () => {
    expect(await syncPayment(deps(), { referenceId: "00000000-0000-4000-8000-000000000000" }, "webhook")).toMatchObject({ outcome: "unknown_reference" });
    const order = await placeOrder(get().db, payram);
    await deposit(order.referenceId, "9.49");
    expect(await syncPayment(deps(), { invoiceId: `${order.orderNumber}-1` }, "webhook")).toMatchObject({ outcome: "changed", to: "FILLED" });
    expect(await syncPayment(deps(), { invoiceId: `${order.orderNumber}-9` }, "webhook")).toMatchObject({ outcome: "unknown_reference" });
  });

  it("lets a PayRam failure through to the caller and changes nothing", async () => {
    const order = await placeOrder(get().db, payram);
    await payram.control("/config", "PUT", { faults: { status: { mode: "500" } } });
    await expect(syncPayment(deps(), { referenceId: order.referenceId }, "webhook")).rejects.toThrow(/PayRam answered 500/);
    expect((await orderState(get().db, order.orderId)).attempts).toMatchObject([{ state: "OPEN" }]);
  });
});

describeOnEachDatabase("an order paid over several PayRam references (a top-up under a new reference)", (get) => {
  const deps = (db = get().db): SyncDeps => ({ db, payram: payram.client });

  /** An order partly paid at PayRam, whose top-up PayRam opened as a request of its own. */
  async function toppedUp(partUsd: string, restUsd: string) {
    await payram.control("/config", "PUT", { api: { topUp: "new-reference" } });
    const order = await placeOrder(get().db, payram);
    await payram.deposit(order.referenceId, partUsd);
    await syncPayment(deps(), { referenceId: order.referenceId }, "webhook");
    const topUp = (await payram.deposit(order.referenceId, restUsd)) as { referenceId: string; topUpOf: string };
    expect(topUp.topUpOf).toBe(order.referenceId);
    const customer = { id: `order_${order.orderNumber}`, email: "shopper@example.com" };
    return { order, topUp: topUp.referenceId, customer };
  }

  it("takes the top-up as a further payment of the order and marks it paid once, with the reference that crossed the total", async () => {
    const { order, topUp, customer } = await toppedUp("5.00", "4.49");
    const applied = await syncPayment(deps(), { referenceId: topUp, customer }, "webhook");
    expect(applied).toMatchObject({ outcome: "changed", to: "FILLED", fulfilled: true });
    for (let i = 0; i < 2; i++) expect(await syncPayment(deps(), { referenceId: topUp, customer }, "webhook")).toMatchObject({ fulfilled: false });

    const state = await orderState(get().db, order.orderId);
    expect(state).toMatchObject({
      paid: true,
      attempts: [
        { attempt_number: 1, state: "PARTIALLY_FILLED", amount_received_cents: 500 },
        { attempt_number: 2, state: "FILLED", amount_received_cents: 449 },
      ],
      attention: [],
    });
    expect(state.fulfilments).toEqual([{ attempt_id: applied.attempt!.id, kind: "deliver" }]);
    const row = await get().db.selectFrom("orders").select(["payment_state", "received_cents"]).where("id", "=", order.orderId).executeTakeFirstOrThrow();
    expect(row).toEqual({ payment_state: "PAID", received_cents: 949 });
    const view = await orderStatus(deps(), order.orderId);
    // The checkout's own payment stays PARTIALLY_FILLED at PayRam: the page no longer offers it.
    expect(view).toMatchObject({ paid: true, receivedUsd: "9.49", remainingUsd: "0.00", paymentUrl: null, payAgain: null });
    expect(describeForShopper(view!).title).toBe("Paid — thank you!");
  });

  it("takes a top-up that kept the invoice of the payment it tops up", async () => {
    const { order, topUp, customer } = await toppedUp("5.00", "4.49");
    const match = { referenceId: topUp, invoiceId: `${order.orderNumber}-1`, customer };
    expect(await syncPayment(deps(), match, "webhook")).toMatchObject({ to: "FILLED", fulfilled: true });
    expect(await orderState(get().db, order.orderId)).toMatchObject({ paid: true, attempts: [{ state: "PARTIALLY_FILLED" }, { state: "FILLED" }] });
  });

  it("flags money beyond the total that arrives over several references", async () => {
    const { order, topUp, customer } = await toppedUp("5.00", "9.49");
    expect(await syncPayment(deps(), { referenceId: topUp, customer }, "webhook")).toMatchObject({ fulfilled: true });
    expect(await orderState(get().db, order.orderId)).toMatchObject({
      paid: true,
      attention: [{ kind: "over_filled", detail: "received 14.49 USD over all its payments for 9.49 USD: 5.00 USD more" }],
    });
  });

  it("raises one overpayment flag per order, whichever of its references brings more money", async () => {
    const { order, topUp, customer } = await toppedUp("5.00", "9.49");
    await syncPayment(deps(), { referenceId: topUp, customer }, "webhook");
    // Yet more money, under yet another reference.
    const again = ((await payram.deposit(order.referenceId, "1.00")) as { referenceId: string }).referenceId;
    expect(again).not.toBe(topUp);
    expect(await syncPayment(deps(), { referenceId: again, customer }, "webhook")).toMatchObject({ outcome: "changed" });
    const state = await orderState(get().db, order.orderId);
    expect(state.attempts).toHaveLength(3);
    expect(state.attention).toMatchObject([{ kind: "over_filled" }]);

    // The merchant resolves it (refunded the surplus, say); yet more money raises a new one.
    await get().db.updateTable("attention_items").set({ resolved_at: new Date().toISOString(), resolution_note: "refunded" }).where("order_id", "=", order.orderId).execute();
    const more = ((await payram.deposit(order.referenceId, "2.00")) as { referenceId: string }).referenceId;
    await syncPayment(deps(), { referenceId: more, customer }, "webhook");
    expect((await orderState(get().db, order.orderId)).attention).toMatchObject([{ kind: "over_filled" }, { kind: "over_filled" }]);
  });

  it("is paid by a payment PayRam opened for the order's customer alone, once PayRam says it is filled", async () => {
    const order = await placeOrder(get().db, payram);
    // The checkout's payment expired with nothing on it; the shopper paid in full to a request
    // PayRam opened by itself for the same customer.
    await payram.control(`/payments/${order.referenceId}/cancel`, "POST");
    await syncPayment(deps(), { referenceId: order.referenceId }, "sweep");
    const customer = { id: `order_${order.orderNumber}`, email: "shopper@example.com" };
    const own = await payram.client.createPayment({ customerEmail: customer.email, customerId: customer.id, invoiceId: "", amountCents: 949 });
    await payram.deposit(own.referenceId, "9.49");
    expect(await syncPayment(deps(), { referenceId: own.referenceId, customer }, "webhook")).toMatchObject({ to: "FILLED", fulfilled: true });
    expect(await orderState(get().db, order.orderId)).toMatchObject({ paid: true, attempts: [{ state: "CANCELLED" }, { state: "FILLED" }], attention: [] });
  });

  it("asks PayRam to deliver a top-up again when it comes while the order's own payment is starting", async () => {
    const { order, topUp, customer } = await toppedUp("5.00", "4.49");
    await get().db.updateTable("payment_attempts").set({ state: "STARTING" }).where("id", "=", order.attempt.id).execute();
    // A thrown error is a 5xx for the webhook: PayRam retries instead of dropping the money.
    await expect(syncPayment(deps(), { referenceId: topUp, customer }, "webhook")).rejects.toThrow(/try again/);
    expect((await orderState(get().db, order.orderId)).attempts).toHaveLength(1);
  });

  it("never takes the shop's own payment as a top-up when its notification outruns the checkout", async () => {
    const order = await placeOrder(get().db, payram);
    // As if the checkout had not stored PayRam's answer yet when the delivery came.
    await get().db.updateTable("payment_attempts").set({ reference_id: null, state: "STARTING" }).where("id", "=", order.attempt.id).execute();
    const customer = { id: `order_${order.orderNumber}`, email: "shopper@example.com" };
    const match = { referenceId: order.referenceId, invoiceId: `${order.orderNumber}-1`, customer };
    // PayRam is asked to deliver it again (a 5xx): by then the checkout has stored the reference,
    // or given the payment up (and a delivery naming it then takes it).
    await expect(syncPayment(deps(), match, "webhook")).rejects.toThrow(/try again/);
    // Even with no invoice in the delivery, a payment still starting is not taken from under the
    // checkout: the same.
    await expect(syncPayment(deps(), { referenceId: order.referenceId, customer }, "webhook")).rejects.toThrow(/try again/);
    expect((await orderState(get().db, order.orderId)).attempts).toEqual([{ attempt_number: 1, state: "STARTING", amount_received_cents: null }]);
  });

  it("does not take a reference PayRam holds for another customer, or a delivery naming another email", async () => {
    const { order, topUp, customer } = await toppedUp("5.00", "4.49");
    const other = await placeOrder(get().db, payram);
    // A delivery claiming the top-up belongs to another order: PayRam's GET says otherwise.
    expect(await syncPayment(deps(), { referenceId: topUp, customer: { id: `order_${other.orderNumber}`, email: null } }, "webhook")).toMatchObject({ outcome: "unknown_reference" });
    expect(await syncPayment(deps(), { referenceId: topUp, customer: { ...customer, email: "someone-else@example.com" } }, "webhook")).toMatchObject({ outcome: "unknown_reference" });
    expect(await syncPayment(deps(), { referenceId: topUp }, "webhook")).toMatchObject({ outcome: "unknown_reference" });
    for (const placed of [order, other]) expect(await orderState(get().db, placed.orderId)).toMatchObject({ paid: false, attempts: [{ attempt_number: 1 }] });
  });

  it("pays the order exactly once when its two references are applied at the same moment on two instances", async () => {
    await payram.control("/config", "PUT", { api: { topUp: "new-reference" } });
    const orders = await Promise.all(Array.from({ length: 8 }, () => placeOrder(get().db, payram)));
    const topUps: string[] = [];
    for (const order of orders) {
      // Part paid, then topped up under a new reference, before the shop heard of either.
      await payram.deposit(order.referenceId, "5.00");
      topUps.push(((await payram.deposit(order.referenceId, "4.49")) as { referenceId: string }).referenceId);
    }
    // PayRam answers both after the same pause, so the two applies start together.
    await payram.control("/config", "PUT", { faults: { status: { latencyMs: 100 } } });
    const instances = get().dialect === "postgres" ? [get().db, get().open()] : [get().db, get().db];
    await Promise.all(
      orders.flatMap((order, i) => [
        syncPayment(deps(instances[0]), { referenceId: order.referenceId }, "webhook"),
        syncPayment(deps(instances[1]), { referenceId: topUps[i]!, customer: { id: `order_${order.orderNumber}`, email: null } }, "webhook"),
      ]),
    );
    for (const order of orders) {
      expect(await orderState(get().db, order.orderId)).toMatchObject({ paid: true, fulfilments: [{ kind: "deliver" }] });
    }
  });
});
