import { centsToDecimal } from "./money";
import { ceilCents, exactFromCents, exactToDecimal, floorCents, parseExact, sumExact, type Exact } from "./exact";

/**
 * The order's money ledger: one entry per PayRam reference of the order, and ONE function
 * (`decide`) that tells from them and the order's total whether the order is paid, short, paid
 * with a surplus, or held for the merchant. Pure and browser-safe: no I/O, no database.
 *
 * The rules (issue 28, "Money by construction"):
 * - PayRam's state is the truth for each reference. A FILLED reference credits exactly what
 *   PayRam asked for; an OVER_FILLED one that plus the excess PayRam reports; a short one
 *   (PARTIALLY_FILLED, CANCELLED) what arrived, valued at the quote when PayRam says it (a
 *   stablecoin's amount), else at its USD value now — and a short reference never reaches its
 *   own ask: where its figures say otherwise the order is held.
 * - Amounts stay exact as PayRam wrote them; the sum is rounded once, down: never in the
 *   shopper's favour when deciding "paid", never above what arrived when deciding what is refundable.
 * - Paid only when the amounts PayRam itself vouches for (asks of filled references, amounts at
 *   the quote) reach the total. Where only USD values that drifted since the quote would reach it,
 *   the order is held for the merchant with both figures. So the same money gives the same
 *   verdict in one transfer or several, and whether PayRam tops up under the same reference or
 *   a new one (§8 of the PayRam contract).
 */

/** The life of one PayRam payment as the shop knows it (lib/rules/states.ts AttemptState). */
export type EntryState = "STARTING" | "START_FAILED" | "OPEN" | "PARTIALLY_FILLED" | "FILLED" | "OVER_FILLED" | "CANCELLED";

/** Who opened the reference: the shop's checkout, PayRam for a top-up, or the shop's "Pay the remaining". */
export type EntryOrigin = "checkout" | "payram" | "remaining";

export interface LedgerEntry {
  /** PayRam's reference id (null before PayRam answered the create): for the merchant's words. */
  reference: string | null;
  origin: EntryOrigin;
  state: EntryState;
  /** What the shop asked for on it (for a reference PayRam opened: what PayRam asked when it was taken). */
  shopAskedCents: number;
  /** What PayRam says it asked for; null before it said, or when it said nonsense (fractions of a cent). */
  payramAskedCents: number | null;
  /** USD that arrived, valued at the quote, exactly as PayRam wrote it; null when PayRam does not say. */
  receivedAtQuote: string | null;
  /** USD that arrived, valued now (filledAmountInUSD), exactly as PayRam wrote it; null before a deposit. */
  receivedUsd: string | null;
}

const PAYS: ReadonlySet<EntryState> = new Set(["FILLED", "OVER_FILLED"]);

/** PayRam's word that the reference is complete. */
export const entryPays = (entry: Pick<LedgerEntry, "state">): boolean => PAYS.has(entry.state);

/** Whether PayRam holds a reference the shop opened for the shop's amount (one PayRam opened has only PayRam's). */
export function amountMatches(entry: Pick<LedgerEntry, "origin" | "payramAskedCents" | "shopAskedCents">): boolean {
  return entry.origin === "payram" || entry.payramAskedCents === entry.shopAskedCents;
}

/** What one reference brings the order, exactly. */
interface EntryMoney {
  /** Counts toward the total on PayRam's own figures (asks, amounts at the quote). */
  firm: Exact;
  /** Counts only by a USD value now (a short reference PayRam gives no quote value for). */
  drifting: Exact;
  /** Why this reference alone holds the order for the merchant, if it does. */
  held: { reason: HeldReason; detail: string } | null;
  /** PayRam reports more than asked, but its USD value now says no more: the merchant values it. */
  unvaluedSurplus: string | null;
}

const usd = (amount: Exact) => `${exactToDecimal(amount)} USD`;
const named = (entry: LedgerEntry) => entry.reference ?? "a payment";

function entryMoney(entry: LedgerEntry): EntryMoney {
  const atQuote = parseExact(entry.receivedAtQuote);
  const now = parseExact(entry.receivedUsd);
  const asked = entry.payramAskedCents ?? (entry.origin === "payram" ? entry.shopAskedCents : null);
  const money: EntryMoney = { firm: 0n, drifting: 0n, held: null, unvaluedSurplus: null };
  const arrived = (atQuote ?? now ?? 0n) > 0n;
  if (!amountMatches(entry) && (arrived || entryPays(entry))) {
    const theirs = entry.payramAskedCents === null ? "an unreadable amount" : `${centsToDecimal(entry.payramAskedCents)} USD`;
    money.held = { reason: "amount_mismatch", detail: `PayRam's payment is for ${theirs}, the order's for ${centsToDecimal(entry.shopAskedCents)} USD: not fulfilled automatically` };
  }
  if (entryPays(entry) && asked !== null) {
    const ask = exactFromCents(asked);
    money.firm = ask;
    if (entry.state === "OVER_FILLED") {
      // The excess PayRam reports: at the quote if it says (its own figure), else by the value now.
      const excess = (atQuote ?? now ?? 0n) - ask;
      if (excess > 0n && atQuote !== null) money.firm += excess;
      else if (excess > 0n) money.drifting = excess;
      else money.unvaluedSurplus = `PayRam reports more than the ${usd(ask)} asked on ${named(entry)}, but values what arrived at ${usd(atQuote ?? now ?? 0n)}: the surplus is for the merchant to value`;
    }
    return money;
  }
  if (!arrived) return money;
  // PayRam calls it short (or it is not PayRam's to call: no readable ask).
  if (atQuote !== null) {
    money.firm = atQuote;
    if (asked !== null && atQuote >= exactFromCents(asked) && !entryPays(entry)) {
      money.held ??= { reason: "drift", detail: `PayRam calls ${named(entry)} ${entry.state}, yet reports ${usd(atQuote)} of ${centsToDecimal(asked)} USD arrived at the quote` };
    }
  } else if (now !== null) {
    money.drifting = now;
    if (asked !== null && now >= exactFromCents(asked) && !entryPays(entry)) {
      money.held ??= {
        reason: "drift",
        detail: `PayRam calls ${named(entry)} ${entry.state}: ${usd(now)} arrived by its USD value now, of ${centsToDecimal(asked)} USD asked, and PayRam does not say what is missing at the quote`,
      };
    }
  }
  return money;
}

/** What one reference credits the order, in whole cents (down): for the merchant's list of payments. */
export function entryCreditCents(entry: LedgerEntry): number {
  const money = entryMoney(entry);
  return floorCents(money.firm + money.drifting);
}

export type HeldReason = "amount_mismatch" | "drift";

interface VerdictBase {
  /** What arrived over all the order's references, rounded once and down: the most that may be refunded. */
  receivedCents: number;
  /** What is still to pay ("Pay the remaining"): more than 0 only when short. */
  missingCents: number;
  /** More than the total (a refund the merchant owes): more than 0 only with a surplus. */
  surplusCents: number;
}

export type Verdict =
  | (VerdictBase & { kind: "paid" })
  /** Paid, with more than the total. `detail` for the merchant; surplusCents may be 0 when PayRam reports an excess it values at nothing. */
  | (VerdictBase & { kind: "surplus"; detail: string })
  | (VerdictBase & { kind: "short" })
  /** Not paid, not short: the merchant decides. `detail` says why, with the figures. */
  | (VerdictBase & { kind: "held"; reason: HeldReason; detail: string });

/** The order is paid (and its fulfilment due). */
export const isPaid = (verdict: Pick<Verdict, "kind">): boolean => verdict.kind === "paid" || verdict.kind === "surplus";

/** The order's money verdict from its references and its total. The one place that decides it. */
export function decide(totalCents: number, entries: readonly LedgerEntry[]): Verdict {
  const total = exactFromCents(totalCents);
  const monies = entries.map(entryMoney);
  const firm = sumExact(monies.map((m) => m.firm));
  const drifting = sumExact(monies.map((m) => m.drifting));
  const receivedCents = floorCents(firm + drifting);
  const base = { receivedCents, missingCents: 0, surplusCents: 0 };
  const held = monies.find((m) => m.held?.reason === "amount_mismatch")?.held ?? monies.find((m) => m.held)?.held;
  if (held) return { ...base, kind: "held", ...held };
  if (firm >= total) {
    const surplus = firm + drifting - total;
    const unvalued = monies.find((m) => m.unvaluedSurplus)?.unvaluedSurplus;
    if (surplus > 0n && floorCents(surplus) > 0) {
      const crediting = monies.filter((m) => m.firm + m.drifting > 0n).length;
      const over = crediting > 1 ? " over all its payments" : "";
      return { ...base, kind: "surplus", surplusCents: floorCents(surplus), detail: `received ${centsToDecimal(receivedCents)} USD${over} for ${centsToDecimal(totalCents)} USD: ${centsToDecimal(floorCents(surplus))} USD more` };
    }
    if (unvalued) return { ...base, kind: "surplus", detail: unvalued };
    return { ...base, kind: "paid" };
  }
  if (firm + drifting >= total) {
    return {
      ...base,
      kind: "held",
      reason: "drift",
      detail: `PayRam's own figures make ${usd(firm)} of ${centsToDecimal(totalCents)} USD; with ${usd(drifting)} valued at today's price it makes ${usd(firm + drifting)}: whether the order is paid depends on the price, not on PayRam's word`,
    };
  }
  return { ...base, kind: "short", missingCents: ceilCents(total - firm - drifting) };
}

/**
 * What arrived on one reference, for people's eyes and for telling news from repeats: at the
 * quote where PayRam says it, else by its USD value now; whole cents, down. Null before a deposit.
 */
export function arrivedCents(entry: Pick<LedgerEntry, "receivedAtQuote" | "receivedUsd">): number | null {
  const arrived = parseExact(entry.receivedAtQuote) ?? parseExact(entry.receivedUsd);
  return arrived === null ? null : floorCents(arrived);
}
