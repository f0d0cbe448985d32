import { createTranslator } from "use-intl/core";
import { describe, expect, it } from "vitest";
import es from "../../messages/es.json";
import { formatDecimalUsd } from "./money";
import {
  ATTEMPT_STATES,
  describeForShopper,
  type Say,
  isFinal,
  isOpen,
  isSyncable,
  MERCHANT_STATE_LABELS,
  MERCHANT_STATES,
  merchantState,
  nextPayment,
  nextState,
  payAgainOffer as payAgainOfferFor,
  shopperState,
  type AttemptFacts,
  type AttemptState,
} from "./states";
import { verdictOf, type LedgerRow } from "../payments/ledger";
import { centsToDecimal } from "./money";

/** A payment of a 9.49 order: PayRam asked 9.49, and `received` arrived (a stablecoin: at the quote as now). */
const attempt = (state: AttemptState, received: number | null = null, number = 1, origin: AttemptFacts["origin"] = "checkout"): AttemptFacts & LedgerRow => ({
  state,
  attempt_number: number,
  amount_received_cents: received,
  origin,
  reference_id: `ref-${number}`,
  amount_cents: 949,
  payram_amount_cents: 949,
  received_usd: received === null ? null : centsToDecimal(received),
  received_at_quote: received === null ? null : centsToDecimal(received),
});
type Order = { paid_at: string | null; total_cents: number };
/** The offer as the status page makes it: by the ledger's verdict on the same attempts. */
const payAgainOffer = (order: Order, attempts: (AttemptFacts & LedgerRow)[]) => payAgainOfferFor(order, attempts, verdictOf(order, attempts));
const receivedCents = (attempts: (AttemptFacts & LedgerRow)[]) => verdictOf({ total_cents: 949 }, attempts).receivedCents;
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
    // Each reference credits what arrived, but FILLED what PayRam asked for (its own verdict; lib/rules/ledger.ts).
    expect(receivedCents([attempt("CANCELLED", 100, 1), attempt("PARTIALLY_FILLED", 500, 2, "payram")])).toBe(600);
    expect(receivedCents([attempt("PARTIALLY_FILLED", 100, 1), attempt("FILLED", 848, 2, "payram")])).toBe(100 + 949);
    expect(shopperState([attempt("PARTIALLY_FILLED", 100, 1), attempt("FILLED", 848, 2, "payram")])).toBe("PARTIALLY_FILLED");
  });

  it("names every merchant state in words a person reads", () => {
    for (const state of MERCHANT_STATES) expect(MERCHANT_STATE_LABELS[state]).toMatch(/^[A-Z][a-z ,]+$/);
    expect(MERCHANT_STATE_LABELS.PARTIALLY_FILLED).toBe("Partly paid");
    expect(MERCHANT_STATE_LABELS.START_FAILED).toBe("Could not start");
  });

  it("offers Pay again for the total, or the remaining amount after a partly paid cancellation, never while open or paid", () => {
    const order = { paid_at: null, total_cents: 949 };
    expect(payAgainOffer(order, [])).toBeNull();
    expect(nextPayment(order, [], verdictOf(order, []))).toEqual({ kind: "first", amountCents: 949 });
    expect(payAgainOffer(order, [attempt("START_FAILED")])).toEqual({ kind: "again", amountCents: 949 });
    expect(payAgainOffer(order, [attempt("CANCELLED", 0)])).toEqual({ kind: "again", amountCents: 949 });
    // Part arrived, then the payment was cancelled: the rest, in cents.
    expect(payAgainOffer(order, [attempt("CANCELLED", 100)])).toEqual({ kind: "remaining", amountCents: 849 });
    // Received is summed over every reference, a top-up under its own reference too.
    expect(payAgainOffer(order, [attempt("CANCELLED", 100, 1), attempt("CANCELLED", 300, 2, "payram")])).toEqual({ kind: "remaining", amountCents: 549 });
    // The remainder attempt itself failed to start: still the remainder.
    expect(payAgainOffer(order, [attempt("CANCELLED", 100, 1), attempt("START_FAILED", null, 2)])).toEqual({ kind: "remaining", amountCents: 849 });
    // Something is open: the shopper goes there, no new payment.
    for (const open of ["STARTING", "OPEN", "PARTIALLY_FILLED"] as const) {
      expect(payAgainOffer(order, [attempt("START_FAILED", null, 1), attempt(open, null, 2)])).toBeNull();
    }
    expect(payAgainOffer(order, [attempt("CANCELLED", 100, 1), attempt("OPEN", null, 2, "payram")])).toBeNull();
    // Settled by PayRam without paying the order (another amount): the merchant's to review.
    expect(payAgainOffer(order, [attempt("FILLED", 949)])).toBeNull();
    // A cancelled payment PayRam reports all of: not short, not paid on PayRam's word either (held).
    expect(payAgainOffer(order, [attempt("CANCELLED", 949)])).toBeNull();
    expect(payAgainOffer({ ...paid, total_cents: 949 }, [attempt("CANCELLED", 100)])).toBeNull();
  });

  it("tells the shopper what is left to pay after a partly paid cancellation", () => {
    const copy = describeForShopper({ state: "CANCELLED", paid: false, money: "short", dueUsd: "9.49", receivedUsd: "1.00", remainingUsd: "8.49", surplusUsd: "0.00" });
    expect(copy.body).toBe("We received $1.00 of $9.49: $8.49 is still to pay for this order.");
    expect(describeForShopper({ state: "OPEN", paid: false, money: "short", dueUsd: "9.49", receivedUsd: "1.00", remainingUsd: "8.49", surplusUsd: "0.00" }).body).toMatch(/^Pay \$8\.49 on PayRam/);
  });

  it("after a payment closed with part received: how much arrived, that it is safe, and what the shopper can do — in the shopper's language", () => {
    const facts = { state: "CANCELLED", paid: false, money: "short", dueUsd: "9.49", receivedUsd: "4.00", remainingUsd: "5.49", surplusUsd: "0.00" } as const;
    expect(describeForShopper(facts).note).toBe("The $4.00 that arrived is safe: it stays credited to this order. You can pay the remaining $5.49 below, or contact the shop to have what arrived refunded.");
    const t = createTranslator({ locale: "es", messages: es, namespace: "Status" });
    const spanish = describeForShopper(facts, { t: t as Say["t"], usd: (decimal) => formatDecimalUsd(decimal, "es") });
    expect(spanish.title).toBe("Este pago se cerró después de recibir una parte");
    expect(spanish.note).toMatch(/^Los 4,00\sUS\$ que llegaron están a salvo/);
    expect(describeForShopper({ ...facts, receivedUsd: "0.00", remainingUsd: "9.49" }).note).toBeUndefined();
  });

  it("never tells a shopper with a paid order that money is due", () => {
    const copy = describeForShopper({ state: "FILLED", paid: true, money: "paid", dueUsd: "12.00", receivedUsd: "12.00", remainingUsd: "0.00", surplusUsd: "0.00" });
    expect(copy).toMatchObject({ tone: "ok", title: "Paid — thank you!" });
    expect(describeForShopper({ state: "PARTIALLY_FILLED", paid: false, money: "short", dueUsd: "12.00", receivedUsd: "2.00", remainingUsd: "10.00", surplusUsd: "0.00" }).body).toMatch(/^\$10\.00 still to pay/);
  });
});

describe("what a shopper reads follows the ledger's verdict", () => {
  const facts = { dueUsd: "9.49", receivedUsd: "9.49", remainingUsd: "0.00", surplusUsd: "0.00" };
  it("never says 'Paid — thank you!' for money held for the merchant, whatever PayRam's state", () => {
    for (const state of ["OVER_FILLED", "FILLED", "PARTIALLY_FILLED", "CANCELLED"] as const) {
      expect(describeForShopper({ ...facts, state, paid: false, money: "held" })).toMatchObject({ tone: "warn", title: "Payment received — under review" });
    }
    expect(describeForShopper({ ...facts, state: "OVER_FILLED", paid: true, money: "surplus", surplusUsd: "0.11" })).toMatchObject({ tone: "ok", title: "Paid — thank you!" });
  });
});
