import { formatDecimalUsd as usd, parseCents } from "./money";
import type { Verdict } from "./ledger";
import { createTranslator } from "use-intl/core";
import en from "../../messages/en.json";

/**
 * The one vocabulary of payment states: which exist, how they rank, which are final, what a
 * shopper and a merchant read for them. Imported by the database schema, the sync, the sweep,
 * the status page (in the browser too: nothing here touches the database) and the merchant area.
 */

/** The life of one PayRam payment, from our side. The first two never exist at PayRam. */
export const ATTEMPT_STATES = [
  "STARTING", // recorded, create call in flight
  "START_FAILED", // create failed or timed out: closed, never retried
  "OPEN",
  "PARTIALLY_FILLED",
  "FILLED",
  "OVER_FILLED",
  "CANCELLED",
] as const;
export type AttemptState = (typeof ATTEMPT_STATES)[number];

/** PayRam's own states, with the old FAQ's `CANCELED` read as `CANCELLED`. */
export const PAYRAM_STATES = ["OPEN", "PARTIALLY_FILLED", "FILLED", "OVER_FILLED", "CANCELLED"] as const satisfies readonly AttemptState[];
export type PayramState = (typeof PAYRAM_STATES)[number];

/** States in which an attempt still counts as the order's one open payment. */
export const OPEN_ATTEMPT_STATES = ["STARTING", "OPEN", "PARTIALLY_FILLED"] as const satisfies readonly AttemptState[];

/** States PayRam may still move: what the sweep and the status poll ask about. */
export const SYNCABLE_STATES = ["OPEN", "PARTIALLY_FILLED"] as const satisfies readonly AttemptState[];

/** States that never change again: nothing left to ask PayRam, nothing for a page to poll. */
export const FINAL_STATES = ["FILLED", "OVER_FILLED", "CANCELLED", "START_FAILED"] as const satisfies readonly AttemptState[];

/** PayRam's final states: no word from PayRam moves an attempt out of them. */
const PAYRAM_FINAL: ReadonlySet<AttemptState> = new Set(["FILLED", "OVER_FILLED", "CANCELLED"]);

/** "Forward" by rank: PayRam gives no update time. */
const RANK: Record<AttemptState, number> = {
  STARTING: 0,
  START_FAILED: 0,
  OPEN: 1,
  PARTIALLY_FILLED: 2,
  FILLED: 3,
  OVER_FILLED: 3,
  CANCELLED: 3,
};

/**
 * How often an open order's status may be asked of PayRam by its status page (per order, however
 * many tabs), and so how often the page itself polls at best.
 */
export const STATUS_SYNC_INTERVAL_MS = 2_000;

const includes = (list: readonly string[], state: string) => list.includes(state);

export const isOpen = (state: AttemptState): boolean => includes(OPEN_ATTEMPT_STATES, state);
export const isSyncable = (state: AttemptState): boolean => includes(SYNCABLE_STATES, state);
/** Takes any string, for views that add "NONE". */
export const isFinal = (state: string): boolean => includes(FINAL_STATES, state);

/** Who opened a payment: the shop's checkout, or PayRam itself (a top-up under a new reference). */
export type AttemptOrigin = "checkout" | "payram";

/** What an attempt knows of itself, for the rules below. */
export interface AttemptFacts {
  state: AttemptState;
  attempt_number: number;
  amount_received_cents: number | null;
  origin: AttemptOrigin;
}

/** What an order knows of itself, for the rules below. */
export interface OrderFacts {
  paid_at: string | null;
}

/**
 * The state an attempt should move to on PayRam's word, or null to keep it as it is. Only
 * forward by rank; PayRam's final states never change; an attempt the checkout gave up on is
 * moved only by a final word (an open one is an orphan that the next attempt's create cancels).
 */
export function nextState(current: AttemptFacts, remote: PayramState | "UNKNOWN", receivedCents: number | null): AttemptState | null {
  if (remote === "UNKNOWN" || PAYRAM_FINAL.has(current.state)) return null;
  if (current.state === "START_FAILED" && !PAYRAM_FINAL.has(remote)) return null;
  if (RANK[remote] > RANK[current.state]) return remote;
  if (remote === current.state && (receivedCents ?? 0) > (current.amount_received_cents ?? 0)) return remote;
  return null;
}

/** PayRam's word that the payment is complete: the order is paid (if the amount is the order's). */
export const paysOrder = (state: AttemptState): boolean => state === "FILLED" || state === "OVER_FILLED";

/** Is this a move into one of PayRam's final states? (The attempt then closes.) */
export const closesAttempt = (state: AttemptState): boolean => PAYRAM_FINAL.has(state);

/** The shop's latest checkout attempt: what the shopper is paying now. */
function latest<T extends AttemptFacts>(attempts: readonly T[]): T | null {
  return attempts.reduce<T | null>(
    (last, attempt) => (attempt.origin === "checkout" && (last === null || attempt.attempt_number > last.attempt_number) ? attempt : last),
    null,
  );
}

/** The state a shopper's status page is about: the latest checkout payment's, or NONE before the first. */
export type ShopperState = AttemptState | "NONE";

export function shopperState(attempts: readonly AttemptFacts[]): ShopperState {
  return latest(attempts)?.state ?? "NONE";
}

/** What the shopper reads for their order's state; amounts are the view's exact decimal strings. */
export interface ShopperFacts {
  state: ShopperState;
  /** True once the order is paid (and fulfilment queued). FILLED without it is under review. */
  paid: boolean;
  /** The ledger's verdict on the order's money (lib/rules/ledger.ts): "held" is under the merchant's review. */
  money: Verdict["kind"];
  dueUsd: string;
  receivedUsd: string;
  remainingUsd: string;
  /** How much more than the total arrived (OVER_FILLED). */
  surplusUsd: string;
  /** The merchant cancelled the unpaid order: nothing more can be paid for it. */
  cancelledByShop?: boolean;
  /**
   * What became of the order's items: "released", the merchant put an unpaid order's items back on
   * sale (it can still be paid); "soldOut", the money arrived after they sold out (the shop is to
   * refund or restock). Null otherwise.
   */
  stock?: "released" | "soldOut" | null;
}

/**
 * How the shopper's words are said: a translator of the "Status" messages and the locale's USD
 * format (English by default, as the tests and the merchant's views read them).
 */
export interface Say {
  t: (key: string, values?: Record<string, string | number>) => string;
  usd: (decimal: string) => string;
}

const ENGLISH: Say = {
  t: createTranslator({ locale: "en", messages: en, namespace: "Status" }) as Say["t"],
  usd: (decimal) => usd(decimal),
};

export interface ShopperCopy {
  title: string;
  tone: "wait" | "ok" | "warn";
  body: string;
  /** After money arrived on a payment that ended: that it is safe, and what the shopper can do. */
  note?: string;
  /** What became of the items, when it matters to the shopper (ShopperFacts.stock). */
  stock?: string;
}

export function describeForShopper(view: ShopperFacts, say: Say = ENGLISH): ShopperCopy {
  const copy = describePayment(view, say);
  if (view.stock === "released" && !view.paid && !view.cancelledByShop) return { ...copy, stock: say.t("stockReleased") };
  if (view.stock === "soldOut" && view.paid && !view.cancelledByShop) return { ...copy, stock: say.t("paidSoldOut") };
  return copy;
}

function describePayment(view: ShopperFacts, say: Say): ShopperCopy {
  const { t } = say;
  const received = say.usd(view.receivedUsd);
  const due = say.usd(view.dueUsd);
  const remaining = say.usd(view.remainingUsd);
  const underReview = { tone: "warn", title: t("underReviewTitle"), body: t("underReviewBody") } as const;
  const paid = { tone: "ok", title: t("paidTitle"), body: t("paidBody", { received }) } as const;
  // Paid, perhaps over several payments (a top-up under its own reference): say so, whatever
  // state the shopper's first payment was left in.
  if (view.paid && !view.cancelledByShop && view.state !== "OVER_FILLED" && view.state !== "FILLED") return paid;
  if (view.cancelledByShop) {
    return parseCents(view.receivedUsd) > 0
      ? { tone: "warn", title: t("shopCancelledTitle"), body: t("shopCancelledRefund", { received }) }
      : { tone: "warn", title: t("shopCancelledTitle"), body: t("shopCancelledNothing") };
  }
  // PayRam's figures do not settle it (another amount, or only drifted USD values would): the
  // merchant reviews it, whatever state the payment is in.
  if (!view.paid && view.money === "held") return underReview;
  switch (view.state) {
    case "NONE":
    case "STARTING":
      return { tone: "wait", title: t("preparingTitle"), body: t("preparingBody") };
    case "START_FAILED":
      return { tone: "warn", title: t("startFailedTitle"), body: t("startFailedBody") };
    case "OPEN":
      // After part arrived on a cancelled payment, the open one is for the rest.
      return { tone: "wait", title: t("waitingTitle"), body: t("waitingBody", { remaining }) };
    case "PARTIALLY_FILLED":
      return { tone: "wait", title: t("partlyTitle", { received, due }), body: t("partlyBody", { remaining }) };
    case "FILLED":
      return view.paid ? paid : underReview;
    case "OVER_FILLED":
      if (!view.paid) return underReview;
      return {
        tone: "ok",
        title: t("paidTitle"),
        body: parseCents(view.surplusUsd) > 0 ? t("overpaidBody", { surplus: say.usd(view.surplusUsd) }) : t("overpaidBodyNoAmount"),
      };
    case "CANCELLED":
      return parseCents(view.receivedUsd) > 0
        ? { tone: "warn", title: t("cancelledPartTitle"), body: t("cancelledPartBody", { received, due, remaining }), note: t("cancelledPartNote", { received, remaining }) }
        : { tone: "warn", title: t("cancelledTitle"), body: t("cancelledBody") };
  }
}

/** The state a merchant filters, counts and exports by: PAID once paid, else the latest payment's. */
export const MERCHANT_STATES = ["PAID", "OPEN", "PARTIALLY_FILLED", "FILLED", "OVER_FILLED", "CANCELLED", "START_FAILED", "STARTING", "NONE"] as const;
export type MerchantState = (typeof MERCHANT_STATES)[number];

export function merchantState(order: OrderFacts, attempts: readonly AttemptFacts[]): MerchantState {
  return order.paid_at !== null ? "PAID" : shopperState(attempts);
}

/** The merchant's words for each state (URLs, CSV and data-* attributes keep the machine names). */
export const MERCHANT_STATE_LABELS: Record<MerchantState, string> = {
  PAID: "Paid",
  OPEN: "Awaiting payment",
  PARTIALLY_FILLED: "Partly paid",
  FILLED: "Paid, under review",
  OVER_FILLED: "Overpaid, under review",
  CANCELLED: "Cancelled",
  START_FAILED: "Could not start",
  STARTING: "Starting",
  NONE: "No payment",
};

/** One payment's state in the merchant's words (an order's own state reads MERCHANT_STATE_LABELS). */
export const PAYMENT_STATE_LABELS: Record<AttemptState, string> = {
  STARTING: "Starting",
  START_FAILED: "Could not start",
  OPEN: "Awaiting payment",
  PARTIALLY_FILLED: "Partly paid",
  FILLED: "Paid in full",
  OVER_FILLED: "Overpaid",
  CANCELLED: "Cancelled or expired",
};

/** The same, inside a sentence. */
export const paymentStateWords = (state: AttemptState): string => PAYMENT_STATE_LABELS[state].toLowerCase();

/** What an order knows of itself to decide its next payment. */
export interface PayableOrder extends OrderFacts {
  total_cents: number;
  /** Set when the merchant cancelled the order: no payment may be opened for it again. */
  cancelled_at?: string | null;
}

/**
 * The payment the shop may open for an order now, or null: "first" before any checkout attempt,
 * "again" for the total after a cancelled or failed one that received nothing, "remaining" for
 * what the ledger says is missing after a cancelled one that received part. Never while the
 * order is paid or cancelled by the merchant,
 * while any of its payments is open (STARTING, OPEN, PARTIALLY_FILLED: money may still arrive
 * there), after a payment PayRam settled without paying the order (the merchant reviews it), or
 * unless the ledger's verdict is "short" (paid, or held for the merchant). The view offers the
 * button by this rule, and the checkout decides the new attempt's amount by it again with the
 * order locked.
 */
export function nextPayment(
  order: PayableOrder,
  attempts: readonly AttemptFacts[],
  money: Pick<Verdict, "kind" | "receivedCents" | "missingCents">,
): { kind: "first" | "again" | "remaining"; amountCents: number } | null {
  if (order.paid_at !== null || (order.cancelled_at ?? null) !== null || attempts.some((attempt) => isOpen(attempt.state))) return null;
  const last = latest(attempts);
  if (last && last.state !== "START_FAILED" && last.state !== "CANCELLED") return null;
  if (money.kind !== "short" || money.missingCents <= 0) return null;
  return { kind: !last ? "first" : money.receivedCents > 0 ? "remaining" : "again", amountCents: money.missingCents };
}

/** "Pay again" on the status page: a new payment after a cancelled or failed one, for what is left to pay. */
export function payAgainOffer(
  order: PayableOrder,
  attempts: readonly AttemptFacts[],
  money: Pick<Verdict, "kind" | "receivedCents" | "missingCents">,
): { kind: "again" | "remaining"; amountCents: number } | null {
  const next = nextPayment(order, attempts, money);
  return next && next.kind !== "first" ? { kind: next.kind, amountCents: next.amountCents } : null;
}

/**
 * No more money will come by itself: the order is paid, or the shopper's payment is final with
 * nothing received. (Money received on a closed payment leaves the order open to a top-up under
 * another reference, which the sweep's search or PayRam's delivery may still bring in.)
 */
export function paymentSettled(view: Pick<ShopperFacts, "paid" | "state" | "receivedUsd" | "cancelledByShop">): boolean {
  return view.paid || view.cancelledByShop === true || (isFinal(view.state) && parseCents(view.receivedUsd) === 0);
}

/**
 * Nothing will change: the payment is settled, and the rest of the page awaits nothing either
 * (lib/views/progress.ts: lines to ship, a refund). The status page stops watching.
 */
export function viewSettled(view: Pick<ShopperFacts, "paid" | "state" | "receivedUsd" | "cancelledByShop"> & { awaiting: boolean }): boolean {
  return !view.awaiting && paymentSettled(view);
}
