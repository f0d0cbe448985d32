import { describe, expect, it } from "vitest";
import {
  ATTEMPT_STATES,
  canPayAgain,
  creditCents,
  describeForShopper,
  isFinal,
  isOpen,
  isSyncable,
  MERCHANT_STATE_LABELS,
  MERCHANT_STATES,
  merchantState,
  nextState,
  receivedCents,
  shopperState,
  type AttemptFacts,
  type AttemptState,
} from "./states";

const attempt = (state: AttemptState, received: number | null = null, number = 1, origin: AttemptFacts["origin"] = "checkout"): AttemptFacts => ({
  state,
  attempt_number: number,
  amount_received_cents: received,
  origin,
  credit_cents: creditCents(state, 949, received),
});
const unpaid = { paid_at: null };
const paid = { paid_at: "2026-11-29T00:00:00.000Z" };

describe("the vocabulary of payment states", () => {
  it("sorts every state into open, syncable and final, with no state both open and final", () => {
    expect(ATTEMPT_STATES.filter(isOpen)).toEqual(["STARTING", "OPEN", "PARTIALLY_FILLED"]);
    expect(ATTEMPT_STATES.filter(isSyncable)).toEqual(["OPEN", "PARTIALLY_FILLED"]);
    expect(ATTEMPT_STATES.filter(isFinal)).toEqual(["START_FAILED", "FILLED", "OVER_FILLED", "CANCELLED"]);
    expect(ATTEMPT_STATES.filter((s) => isOpen(s) && isFinal(s))).toEqual([]);
    expect(isFinal("NONE")).toBe(false);
  });

  it.each([
    ["OPEN", "PARTIALLY_FILLED", null, "PARTIALLY_FILLED"],
    ["OPEN", "FILLED", null, "FILLED"],
    ["PARTIALLY_FILLED", "OPEN", null, null],
    ["PARTIALLY_FILLED", "PARTIALLY_FILLED", 2000, "PARTIALLY_FILLED"],
    ["PARTIALLY_FILLED", "PARTIALLY_FILLED", 1000, null],
    ["FILLED", "CANCELLED", null, null],
    ["CANCELLED", "FILLED", null, null],
    ["OPEN", "UNKNOWN", null, null],
    ["START_FAILED", "OPEN", null, null],
    ["START_FAILED", "CANCELLED", null, "CANCELLED"],
    ["STARTING", "OPEN", null, "OPEN"],
  ] as const)("%s hearing %s (received %s) moves to %s", (from, remote, received, to) => {
    expect(nextState(attempt(from, 1000), remote, received)).toBe(to);
  });

  it("tells the shopper about the latest payment, and the merchant PAID once the order is paid", () => {
    const attempts = [attempt("CANCELLED", 0, 1), attempt("OPEN", null, 2)];
    expect(shopperState([])).toBe("NONE");
    expect(shopperState(attempts)).toBe("OPEN");
    expect(merchantState(unpaid, [])).toBe("NONE");
    expect(merchantState(unpaid, attempts)).toBe("OPEN");
    expect(merchantState(paid, [attempt("FILLED", 949)])).toBe("PAID");
    // FILLED without the order paid: PayRam's amount differed, the merchant reviews it.
    expect(MERCHANT_STATE_LABELS[merchantState(unpaid, [attempt("FILLED", 949)])]).toBe("Paid, under review");
    // Each reference credits what arrived, but FILLED what PayRam asked for (its own verdict).
    expect(receivedCents([attempt("CANCELLED", 100, 1), attempt("PARTIALLY_FILLED", 500, 2, "payram")])).toBe(600);
    expect(receivedCents([attempt("PARTIALLY_FILLED", 100, 1), attempt("FILLED", 848, 2, "payram")])).toBe(100 + 949);
    expect(shopperState([attempt("PARTIALLY_FILLED", 100, 1), attempt("FILLED", 848, 2, "payram")])).toBe("PARTIALLY_FILLED");
  });

  it("names every merchant state in words a person reads", () => {
    for (const state of MERCHANT_STATES) expect(MERCHANT_STATE_LABELS[state]).toMatch(/^[A-Z][a-z ,]+$/);
    expect(MERCHANT_STATE_LABELS.PARTIALLY_FILLED).toBe("Partly paid");
    expect(MERCHANT_STATE_LABELS.START_FAILED).toBe("Could not start");
  });

  it("offers Pay again only when nothing is paid, open or waiting for the merchant", () => {
    expect(canPayAgain(unpaid, [])).toBe(false);
    expect(canPayAgain(unpaid, [attempt("START_FAILED")])).toBe(true);
    expect(canPayAgain(unpaid, [attempt("CANCELLED", 0)])).toBe(true);
    expect(canPayAgain(unpaid, [attempt("CANCELLED", 100)])).toBe(false);
    expect(canPayAgain(unpaid, [attempt("START_FAILED", null, 1), attempt("OPEN", null, 2)])).toBe(false);
    expect(canPayAgain(paid, [attempt("START_FAILED")])).toBe(false);
  });

  it("never tells a shopper with a paid order that money is due", () => {
    const copy = describeForShopper({ state: "FILLED", paid: true, dueUsd: "12.00", receivedUsd: "12.00", remainingUsd: "0.00", surplusUsd: "0.00" });
    expect(copy).toMatchObject({ tone: "ok", title: "Paid — thank you!" });
    expect(describeForShopper({ state: "PARTIALLY_FILLED", paid: false, dueUsd: "12.00", receivedUsd: "2.00", remainingUsd: "10.00", surplusUsd: "0.00" }).body).toMatch(/^\$10\.00 still to pay/);
  });
});
