import fc from "fast-check";
import { expect, it } from "vitest";
import { decide, IN_FLIGHT, PAID_NOTHING, REFUND_STATUSES, type RefundEvent, type RefundLife, type RefundStatus } from "./refund-life";
import { cryptoAmount, quoteRefund, refundableCents, worthInCents, type OrderMoney } from "./refundable";

const RUNS = 1000;

it("turns USD cents into a token amount exactly, rounded down to the token's precision", () => {
  expect(cryptoAmount(251, "1.0", 6)).toBe("2.510000");
  expect(cryptoAmount(1000, "3000.00", 8)).toBe("0.00333333");
  expect(cryptoAmount(2000, "3000.00", 8)).toBe("0.00666666");
  expect(cryptoAmount(100, "0.25", 6)).toBe("4.000000");
  expect(cryptoAmount(1, "3", 0)).toBe("0");
  // Rounded down: never more than the refund ($2,000 at 0 decimals is no whole ETH, not 1 ETH worth $3,000).
  expect(cryptoAmount(200_000, "3000", 0)).toBe("0");
  expect(cryptoAmount(1_600, "3000", 2)).toBe("0.00");
});

it("refundable: what arrived, less payouts not known to have failed, less the total of an order that is kept", () => {
  const order = { received_cents: 1200, total_cents: 949, paid_at: "t", cancelled_at: null };
  expect(refundableCents(order, [])).toBe(251);
  expect(refundableCents(order, [{ amount_cents: 100, status: "requesting" }])).toBe(151);
  expect(refundableCents(order, [{ amount_cents: 100, status: "rejected" }, { amount_cents: 51, status: "processed" }])).toBe(200);
  expect(refundableCents({ ...order, cancelled_at: "t" }, [])).toBe(1200);
  expect(refundableCents({ ...order, paid_at: null, cancelled_at: "t" }, [])).toBe(1200);
  // Neither paid nor cancelled: its payment may still complete it.
  expect(refundableCents({ ...order, paid_at: null }, [])).toBe(0);
});

it("L2: a refund records what it sends, at most a cent below what was asked, never more than the tokens are worth", () => {
  // $10.00 of ETH at $3,000 with 8 decimals: 0.00333333 ETH, worth $9.99999: $9.99 is recorded.
  expect(quoteRefund(1000, "3000.00", 8)).toEqual({ ok: true, crypto: "0.00333333", cents: 999 });
  expect(quoteRefund(251, "1.0", 6)).toEqual({ ok: true, crypto: "2.510000", cents: 251 });
  expect(quoteRefund(500, "300000000.00", 8)).toEqual({ ok: false, problem: "cut", crypto: "0.00000001", worthCents: 300 });
  expect(quoteRefund(251, "300000000.00", 8)).toEqual({ ok: false, problem: "below_minimum" });
  // A token amount worth less than a cent records nothing: refused.
  expect(quoteRefund(1, "3000", 8)).toEqual({ ok: false, problem: "below_minimum" });

  const price = fc
    .tuple(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.integer({ min: 0, max: 8 }))
    .map(([units, decimals]) => {
      const digits = units.toString().padStart(decimals + 1, "0");
      return decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
    });
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1_000_000_000 }), price, fc.integer({ min: 0, max: 18 }), (asked, price, precision) => {
      const quote = quoteRefund(asked, price, precision);
      if (!quote.ok) return;
      expect(quote.cents).toBeGreaterThan(0);
      expect(quote.cents).toBeLessThanOrEqual(asked);
      expect(asked - quote.cents).toBeLessThanOrEqual(1);
      // Exactly: the tokens sent are worth at least what is recorded (crypto × price ≥ cents / 100).
      const [ci, cf = ""] = quote.crypto.split(".");
      const [pi, pf = ""] = price.split(".");
      const sent = BigInt(ci! + cf) * BigInt(pi! + pf) * 100n;
      expect(sent >= BigInt(quote.cents) * 10n ** BigInt(cf.length + pf.length)).toBe(true);
      expect(worthInCents(quote.crypto, price)).toBeGreaterThanOrEqual(quote.cents);
    }),
    { numRuns: RUNS },
  );
});

/** A PayRam payout status, as refundStatusOf can yield one (never the shop's own "requesting" or "refused"). */
const payramStatus = fc.constantFrom<RefundStatus | null>(...REFUND_STATUSES.filter((status) => status !== "requesting" && status !== "refused"), null);

const event: fc.Arbitrary<RefundEvent> = fc.oneof(
  payramStatus.map((status) => ({ type: "payout" as const, status })),
  fc.boolean().map((firstTry) => ({ type: "refused" as const, firstTry })),
  fc.boolean().map((conflict) => ({ type: "no-answer" as const, conflict })),
  fc.record({ type: fc.constant("listed-none" as const), cause: fc.constantFrom("refused" as const, "merchant" as const, "key" as const, "conflict" as const), unsureTryAgeMs: fc.integer({ min: 0, max: 10 * 60_000 }) }),
  fc.constant({ type: "list-unreadable" as const }),
  fc.integer({ min: 0, max: 3 * 24 * 60 }).map((minutes) => ({ type: "due" as const, now: minutes * 60_000 })),
  fc.record({ type: fc.constant("retry" as const), now: fc.integer({ min: 0, max: 3 * 24 * 60 }).map((minutes) => minutes * 60_000), sentBefore: fc.boolean() }),
  fc.constant({ type: "end" as const }),
);

it("refunded never exceeds received: refunds recorded within what is refundable, then living any life", () => {
  const order: fc.Arbitrary<OrderMoney> = fc
    .record({ total: fc.integer({ min: 1, max: 100_000 }), extra: fc.integer({ min: -100_000, max: 100_000 }), paid: fc.boolean(), cancelled: fc.boolean() })
    .map(({ total, extra, paid, cancelled }) => ({
      total_cents: total,
      received_cents: Math.max(0, total + extra),
      paid_at: paid && total + extra >= total ? "t" : null,
      cancelled_at: cancelled ? "t" : null,
    }));
  const op = fc.oneof(
    fc.record({ kind: fc.constant("request" as const), cents: fc.integer({ min: 1, max: 200_000 }) }),
    fc.record({ kind: fc.constant("event" as const), which: fc.nat(), event }),
  );
  fc.assert(
    fc.property(order, fc.array(op, { maxLength: 60 }), (order, ops) => {
      const refunds: { amount_cents: number; status: RefundStatus; life: RefundLife }[] = [];
      for (const step of ops) {
        if (step.kind === "request") {
          // The shop records a refund only within what is refundable, one in flight without a payout at a time.
          if (refunds.some((refund) => refund.status === "requesting" && !refund.life.payout)) continue;
          if (step.cents > refundableCents(order, refunds)) continue;
          const life: RefundLife = { status: "requesting", payout: false, createdAt: 0, lastSentAt: null };
          refunds.push({ amount_cents: step.cents, status: "requesting", life });
          continue;
        }
        const refund = refunds[step.which % Math.max(1, refunds.length)];
        if (!refund) continue;
        const { next, action } = decide(refund.life, step.event);
        if (action.do === "paid-after-end") {
          // The one way past it: PayRam paid what the shop had ended. The merchant is told (checked
          // below, by its action); the amount is held again.
          expect(refund.status).toBe("refused");
          continue;
        }
        refund.life = next;
        refund.status = next.status;
      }
      const held = refunds.filter((refund) => !PAID_NOTHING.has(refund.status)).reduce((sum, refund) => sum + refund.amount_cents, 0);
      const refunded = refunds.filter((refund) => refund.status === "processed").reduce((sum, refund) => sum + refund.amount_cents, 0);
      expect(refunded).toBeLessThanOrEqual(held);
      expect(held).toBeLessThanOrEqual(order.received_cents);
      expect(refundableCents(order, refunds)).toBeGreaterThanOrEqual(0);
      expect(refundableCents(order, refunds) + held).toBeLessThanOrEqual(order.received_cents);
      expect(refunds.filter((refund) => IN_FLIGHT.includes(refund.status) && !refund.life.payout).length).toBeLessThanOrEqual(1);
    }),
    { numRuns: RUNS },
  );
});
