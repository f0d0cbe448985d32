import { MoneyError } from "./money";
import { PAID_NOTHING, type RefundStatus } from "./refund-life";

/**
 * What an order may still refund, and what a refund records as refunded. Pure and browser-safe:
 * no I/O, integer cents and exact decimal strings only (never float arithmetic).
 */

export interface OrderMoney {
  received_cents: number;
  total_cents: number;
  paid_at: string | null;
  cancelled_at: string | null;
}

/**
 * What may still be refunded: what the order received, less every refund not known to have paid
 * nothing (those whose outcome is unknown included), less the total if the order is kept (paid
 * and not cancelled by the merchant). Nothing while the order is neither paid nor cancelled: its
 * payment may still complete it (an open payment, "Pay the remaining"), and money refunded then
 * would be missing from a paid order — cancel it first. Never below 0: what is held never exceeds
 * what was received as long as every refund was at most this when it was recorded.
 */
export function refundableCents(order: OrderMoney, refunds: readonly { amount_cents: number; status: RefundStatus }[]): number {
  if (order.paid_at === null && order.cancelled_at === null) return 0;
  const kept = order.paid_at !== null && order.cancelled_at === null ? order.total_cents : 0;
  const out = refunds.filter((refund) => !PAID_NOTHING.has(refund.status)).reduce((sum, refund) => sum + refund.amount_cents, 0);
  return Math.max(0, order.received_cents - out - kept);
}

/**
 * USD cents in a token's units at PayRam's ticker price, rounded down to `precision` decimals, in
 * exact integer arithmetic: cents / 100 / price. Down: a coarse precision rounded up would pay out
 * more than the refund (at 0 decimals, $2,000 of ETH at $3,000 would be 1 ETH).
 */
export function cryptoAmount(cents: number, price: string, precision: number): string {
  const { units: priceUnits, decimals } = exactDecimal(price, "price");
  if (priceUnits === 0n) throw new MoneyError("a price of 0");
  // cents × 10^(precision + price decimals) / (100 × priceUnits), rounded down.
  const units = (BigInt(cents) * 10n ** BigInt(precision + decimals)) / (100n * priceUnits);
  if (precision === 0) return units.toString();
  const digits = units.toString().padStart(precision + 1, "0");
  return `${digits.slice(0, -precision)}.${digits.slice(-precision)}`;
}

/** What a token amount is worth in USD cents at a price, rounded down: amount × price × 100. */
export function worthInCents(amount: string, price: string): number {
  const a = exactDecimal(amount, "amount");
  const p = exactDecimal(price, "price");
  return Number((a.units * p.units * 100n) / 10n ** BigInt(a.decimals + p.decimals));
}

function exactDecimal(text: string, what: string): { units: bigint; decimals: number } {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) throw new MoneyError(`not a ${what}: ${text}`);
  const fraction = match[2] ?? "";
  return { units: BigInt(match[1]! + fraction), decimals: fraction.length };
}

/**
 * A refund of `askedCents` in a token: the amount PayRam is sent (rounded down to the wallet's
 * precision) and what is recorded as refunded — what that amount is worth, rounded down, so the
 * shop never records more as refunded than went out. Refused when nothing would go out, or when
 * the rounding would cut more than a cent (the merchant is told what can be sent instead).
 */
export type RefundQuote =
  | { ok: true; crypto: string; cents: number }
  | { ok: false; problem: "below_minimum" }
  | { ok: false; problem: "cut"; crypto: string; worthCents: number };

export function quoteRefund(askedCents: number, price: string, precision: number): RefundQuote {
  const crypto = cryptoAmount(askedCents, price, precision);
  const worth = worthInCents(crypto, price);
  if (!/[1-9]/.test(crypto) || worth === 0) return { ok: false, problem: "below_minimum" };
  if (askedCents - worth > 1) return { ok: false, problem: "cut", crypto, worthCents: worth };
  // Worth at most what was asked (rounded down twice), at most a cent less.
  return { ok: true, crypto, cents: Math.min(worth, askedCents) };
}
