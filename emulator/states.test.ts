import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startHarness, waitFor, type Harness } from "./testing/helpers";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterEach(() => h.reset());
afterAll(() => h.close());

const deposit = async (ref: string, amountInUSD: unknown) => h.control(`/payments/${ref}/deposit`, "POST", { amountInUSD });
const statusesFor = (ref: string) => h.receiver.bodies().filter((b) => b.reference_id === ref).map((b) => b.status);

describe("state machine", () => {
  it("OPEN → PARTIALLY_FILLED → PARTIALLY_FILLED → FILLED, one webhook per change", async () => {
    const { reference_id: ref } = await h.create({ amountInUSD: 10 });
    expect((await h.status(ref)).paymentState).toBe("OPEN");

    let res = await deposit(ref, "2.50");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ state: "PARTIALLY_FILLED", filledAmountInUSD: "2.50", remainingInUSD: "7.50" });
    res = await deposit(ref, 2.5);
    expect(await res.json()).toMatchObject({ state: "PARTIALLY_FILLED", filledAmountInUSD: "5.00" });
    res = await deposit(ref, "5");
    expect(await res.json()).toMatchObject({ state: "FILLED", filledAmountInUSD: "10.00", remainingInUSD: "0.00" });
    expect((await h.status(ref)).paymentState).toBe("FILLED");

    await waitFor("three webhooks", () => statusesFor(ref).length >= 3);
    expect(statusesFor(ref).sort()).toEqual(["FILLED", "PARTIALLY_FILLED", "PARTIALLY_FILLED"]);
  });

  it("OPEN → OVER_FILLED in one deposit, and PARTIALLY_FILLED → OVER_FILLED", async () => {
    const a = await h.create({ amountInUSD: 10 });
    expect(await (await deposit(a.reference_id, "10.01")).json()).toMatchObject({ state: "OVER_FILLED", filledAmountInUSD: "10.01" });
    const b = await h.create({ amountInUSD: 10 });
    await deposit(b.reference_id, "9.99");
    expect(await (await deposit(b.reference_id, "0.02")).json()).toMatchObject({ state: "OVER_FILLED", filledAmountInUSD: "10.01" });
  });

  it("keeps amounts exact where floats would drift (0.1 + 0.2 = 0.30)", async () => {
    const { reference_id: ref } = await h.create({ amountInUSD: 0.3 });
    await deposit(ref, 0.1);
    expect(await (await deposit(ref, 0.2)).json()).toMatchObject({ state: "FILLED", filledAmountInUSD: "0.30" });
  });

  it("OPEN → CANCELLED and PARTIALLY_FILLED → CANCELLED on cancel, with a webhook", async () => {
    const a = await h.create();
    expect(await (await h.control(`/payments/${a.reference_id}/cancel`)).json()).toMatchObject({ state: "CANCELLED", cancelCause: "cancelled" });
    const b = await h.create({ amountInUSD: 10 });
    await deposit(b.reference_id, "1");
    expect(await (await h.control(`/payments/${b.reference_id}/cancel`)).json()).toMatchObject({ state: "CANCELLED", filledAmountInUSD: "1.00" });
    await waitFor("cancellation webhooks", () => statusesFor(b.reference_id).includes("CANCELLED") && statusesFor(a.reference_id).includes("CANCELLED"));
  });

  it("never changes a terminal state: deposit and cancel answer 409", async () => {
    const filled = await h.create({ amountInUSD: 1 });
    await deposit(filled.reference_id, "1");
    const again = await deposit(filled.reference_id, "1");
    expect(again.status).toBe(409);
    expect((await again.json()).payment).toMatchObject({ state: "FILLED", filledAmountInUSD: "1.00" });
    expect((await h.control(`/payments/${filled.reference_id}/cancel`)).status).toBe(409);
    expect((await h.control(`/payments/${filled.reference_id}/expire`)).status).toBe(409);

    const cancelled = await h.create();
    await h.control(`/payments/${cancelled.reference_id}/cancel`);
    expect((await deposit(cancelled.reference_id, "1")).status).toBe(409);
    expect((await h.status(cancelled.reference_id)).paymentState).toBe("CANCELLED");
  });

  it("validates control deposits and answers 404 for unknown payments", async () => {
    const { reference_id: ref } = await h.create();
    for (const amount of ["0", "-1", "1.001", "abc", null]) expect((await deposit(ref, amount)).status).toBe(400);
    expect((await h.control(`/payments/${ref}/deposit`, "POST", {})).status).toBe(400);
    expect((await deposit("00000000-0000-4000-8000-000000000000", "1")).status).toBe(404);
    expect((await h.control("/payments/00000000-0000-4000-8000-000000000000/cancel")).status).toBe(404);
  });
});

describe("per-customer cancellation", () => {
  it("a new payment cancels the same customer's open and partially filled payments, with webhooks", async () => {
    const first = await h.create({ customerID: "order_shared" });
    const second = await h.create({ customerID: "order_shared", amountInUSD: 10 });
    await deposit(second.reference_id, "3");
    const other = await h.create({ customerID: "order_other" });
    const done = await h.create({ customerID: "order_done", amountInUSD: 1 });
    await deposit(done.reference_id, "1");

    expect((await h.status(first.reference_id)).paymentState).toBe("CANCELLED");
    expect((await h.status(second.reference_id)).paymentState).toBe("PARTIALLY_FILLED");
    const third = await h.create({ customerID: "order_shared" });
    await h.create({ customerID: "order_done" });

    expect((await h.status(second.reference_id)).paymentState).toBe("CANCELLED");
    expect((await h.status(third.reference_id)).paymentState).toBe("OPEN");
    expect((await h.status(other.reference_id)).paymentState).toBe("OPEN");
    expect((await h.status(done.reference_id)).paymentState).toBe("FILLED");
    expect(h.emulator.payment(first.reference_id)?.cancelCause).toBe("replaced");

    await waitFor("both cancellation webhooks", () => statusesFor(first.reference_id).includes("CANCELLED") && statusesFor(second.reference_id).includes("CANCELLED"));
  });

  it("matches customerId spelled either way", async () => {
    const first = await h.create({ customerID: "order_x" });
    const res = await h.request("/api/v1/payment", { method: "POST", json: { customerEmail: "a@example.com", customerId: "order_x", amountInUSD: 1 } });
    expect(res.status).toBe(200);
    expect((await h.status(first.reference_id)).paymentState).toBe("CANCELLED");
  });
});

describe("expiry", () => {
  it("cancels a payment when its expire passes, by timer, and sends the webhook", async () => {
    // Far enough ahead that the first read finds it OPEN even on a busy machine.
    const expire = new Date(Date.now() + 2_000).toISOString();
    const { reference_id: ref } = await h.create({ expire });
    expect((await h.status(ref)).paymentState).toBe("OPEN");
    // Nobody reads the payment: the timer alone must expire it and send the webhook.
    const body = await waitFor("the CANCELLED webhook", () => h.receiver.bodies().find((b) => b.reference_id === ref && b.status === "CANCELLED"));
    expect(body).toMatchObject({ status: "CANCELLED" });
    expect(h.emulator.payment(ref)).toMatchObject({ state: "CANCELLED", cancelCause: "expired" });
  });

  it("an expire in the past (with an offset) cancels on the next read", async () => {
    const { reference_id: ref } = await h.create({ expire: "2001-02-03T04:05:06+02:00" });
    expect((await h.status(ref)).paymentState).toBe("CANCELLED");
  });

  it("keeps a partially filled payment's amounts when it expires", async () => {
    const { reference_id: ref } = await h.create({ amountInUSD: 10 });
    await deposit(ref, "4");
    expect(await (await h.control(`/payments/${ref}/expire`)).json()).toMatchObject({ state: "CANCELLED", filledAmountInUSD: "4.00", cancelCause: "expired" });
    expect(await h.status(ref)).toMatchObject({ paymentState: "CANCELLED", filledAmountInUSD: "4.00" });
  });

  it("defaults expire to 24 h after creation", async () => {
    const { reference_id: ref } = await h.create();
    const view = h.emulator.payment(ref);
    const lifetime = Date.parse(view?.expiresAt ?? "") - Date.parse(view?.createdAt ?? "");
    expect(Math.abs(lifetime - 24 * 3600 * 1000)).toBeLessThan(1000);
  });
});
