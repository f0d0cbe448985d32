/**
 * A refund's life, as one table: its state × what happens → its next state and what the shop
 * does next. Pure and browser-safe (no I/O, no clock: times come in the events); lib/refunds
 * loads a refund, asks `decide`, and applies the answer (atomic claims, idempotency keys, the
 * fail-closed payout-list lookup, orderChanged — all there).
 *
 * Every refund reaches an end:
 * - PayRam answers its create with a payout: the payout's own life (PayRam's statuses) follows,
 *   forward only, and PayRam's terminal statuses are final.
 * - PayRam refuses the first try (the request that claimed the refund): nothing was made, it ends
 *   `refused`. A refusal of a later try proves nothing by itself (an earlier try may have made
 *   the payout), so PayRam's payout list is read: no payout there — read back to the refund, and
 *   no try of unknown outcome sent in the last QUIET_MS — and it ends `refused` too.
 * - Never answered (time-outs, 5xx, 503): re-sent with the same body and key, backing off, and
 *   never past RESEND_FOR_MS after it was recorded (its crypto amount was priced then): it is put
 *   before the merchant, who can end it once PayRam's list shows no payout.
 * - A payout PayRam shows always wins over the shop's own `refused`: the money went out.
 */

/** A refund's state: "requesting" until PayRam answers the create, then PayRam's payout status; "refused": PayRam made nothing. */
export const REFUND_STATUSES = [
  "requesting",
  "pending-otp-verification",
  "pending-approval",
  "pending",
  "initiated",
  "sent",
  "processed",
  "failed",
  "rejected",
  "cancelled",
  "refused",
] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/** Until it ends, a refund holds its amount (and the order's one place in flight). */
export const IN_FLIGHT: readonly RefundStatus[] = ["requesting", "pending-otp-verification", "pending-approval", "pending", "initiated", "sent"];
/** Ended without paying: the amount is refundable again. */
export const PAID_NOTHING: ReadonlySet<RefundStatus> = new Set(["failed", "rejected", "cancelled", "refused"]);
/** PayRam's terminal payout statuses: final. (`refused` is the shop's own end, and a payout overrides it.) */
const PAYRAM_ENDS: ReadonlySet<RefundStatus> = new Set(["processed", "failed", "rejected", "cancelled"]);
/** Statuses a refund can end in. */
export const ENDS: ReadonlySet<RefundStatus> = new Set([...PAYRAM_ENDS, "refused"]);

const RANK: Record<RefundStatus, number> = {
  requesting: 0,
  "pending-otp-verification": 1,
  "pending-approval": 1,
  pending: 2,
  initiated: 3,
  sent: 4,
  processed: 5,
  failed: 5,
  rejected: 5,
  cancelled: 5,
  refused: 5,
};

/** PayRam's payout status as a refund's: its webhook labels and spellings too (`approved`, `pending_approval`). The shop's own words are not PayRam's. */
export function refundStatusOf(payoutStatus: string): RefundStatus | null {
  const label = payoutStatus.toLowerCase().replaceAll("_", "-");
  if (label === "approved") return "pending";
  if (label === "requesting" || label === "refused") return null;
  return (REFUND_STATUSES as readonly string[]).includes(label) ? (label as RefundStatus) : null;
}

/** How long after a try PayRam's list may still not show the payout that try made. */
export const QUIET_MS = 2 * 60_000;
/** PayRam does not document how long it keeps idempotency keys: after this, a re-send reads its list first. */
export const KEY_TRUST_MS = 60 * 60_000;
/** No automatic re-send of a create later than this after the refund was recorded (its crypto amount was priced then). */
export const RESEND_FOR_MS = 6 * 60 * 60_000;
const FIRST_DELAY_MS = 2 * 60_000;
const LONGEST_DELAY_MS = 30 * 60_000;

/** The wait before re-sending a create last sent `sentAfterMs` after the refund was recorded: 2 minutes, growing with its age to 30. */
export function resendDelayMs(sentAfterMs: number): number {
  return Math.min(LONGEST_DELAY_MS, Math.max(FIRST_DELAY_MS, Math.floor(sentAfterMs / 2)));
}

/** What the rules need of a refund row. Times in ms since the epoch. */
export interface RefundLife {
  status: RefundStatus;
  /** PayRam's payout for it is known (its id recorded). */
  payout: boolean;
  createdAt: number;
  /** When a create was last sent (null: never). */
  lastSentAt: number | null;
}

/** Why PayRam's payout list was read. */
export type LookupCause =
  /** A later try was refused: did an earlier one make the payout? */
  | "refused"
  /** The merchant asks to end a refund in flight. */
  | "merchant"
  /** A re-send over an hour on: PayRam may have forgotten the key. */
  | "key"
  /** PayRam answered 409 (an identical payout exists). */
  | "conflict";

export type RefundEvent =
  /** PayRam shows this refund's payout (the create's answer, a read, its list) in a status (null: one this shop does not know). */
  | { type: "payout"; status: RefundStatus | null }
  /** PayRam refused a create (400, 401, 403, 404, 422): it made nothing for that request. `firstTry`: the request that claimed the refund. */
  | { type: "refused"; firstTry: boolean }
  /** A create without an answer (time-out, 5xx, 503, a proxy's 408) or with 409. */
  | { type: "no-answer"; conflict: boolean }
  /**
   * PayRam's list, read back to the refund's time, shows no payout for it. `unsureTryAgeMs`: how
   * long before the read the latest try of unknown outcome was sent (the refund's age if never sent).
   */
  | { type: "listed-none"; cause: LookupCause; unsureTryAgeMs: number }
  /** PayRam's list could not tell (unreadable, incomplete, too long): nothing is concluded. */
  | { type: "list-unreadable" }
  /** The sweep passes at `now`. */
  | { type: "due"; now: number }
  /** A create is about to be sent (the first try, the sweep's, the merchant's "Ask PayRam again") at `now`; `sentBefore`: an earlier try was sent. */
  | { type: "retry"; now: number; sentBefore: boolean }
  /** The merchant asks to end the refund. */
  | { type: "end" };

export type EndReason = "payram_refused" | "no_payout_after_refusal" | "ended_by_merchant";

export type RefundAction =
  | { do: "nothing" }
  /** Send the stored create with its key (PayRam answers the payout it made for that key, if any). */
  | { do: "send" }
  /** Read PayRam's payout list for it (fail closed). */
  | { do: "lookup"; cause: LookupCause }
  /** Read its payout from PayRam. */
  | { do: "read" }
  /** Ended here (the status is `refused`): record why. */
  | { do: "end"; reason: EndReason }
  /** No more automatic re-sends: put it before the merchant with PayRam's last answer. */
  | { do: "stop" }
  /** A payout for a refund the shop had ended: it wins, and the merchant is told (the amount may have been refunded again). */
  | { do: "paid-after-end" }
  /** The merchant cannot end it now: `why` says what to do instead. */
  | { do: "cannot-end"; why: "has_payout" | "ended" | "too_early" }
  /** The list could not show there is no payout: the refund is kept as it is. */
  | { do: "keep" };

export interface Decision {
  next: RefundLife;
  action: RefundAction;
}

const stay = (life: RefundLife, action: RefundAction = { do: "nothing" }): Decision => ({ next: life, action });
/** In flight without a payout: the one shape whose fate the shop decides (sends, lookups, ends). */
const unanswered = (life: RefundLife) => life.status === "requesting" && !life.payout;

/** The refund life: one step. */
export function decide(life: RefundLife, event: RefundEvent): Decision {
  switch (event.type) {
    case "payout": {
      if (PAYRAM_ENDS.has(life.status)) return stay({ ...life, payout: true });
      if (life.status === "refused") {
        // PayRam paid (or holds) what the shop had ended: the payout wins.
        const status = event.status ?? "requesting";
        return { next: { ...life, status, payout: true }, action: PAID_NOTHING.has(status) ? { do: "nothing" } : { do: "paid-after-end" } };
      }
      const forward = event.status !== null && RANK[event.status] > RANK[life.status];
      return stay({ ...life, status: forward ? event.status! : life.status, payout: true });
    }
    case "refused":
      if (!unanswered(life)) return stay(life);
      if (event.firstTry) return { next: { ...life, status: "refused" }, action: { do: "end", reason: "payram_refused" } };
      return stay(life, { do: "lookup", cause: "refused" });
    case "no-answer":
      if (!unanswered(life)) return stay(life);
      return stay(life, event.conflict ? { do: "lookup", cause: "conflict" } : { do: "nothing" });
    case "listed-none": {
      if (!unanswered(life)) return stay(life);
      const conclusive = event.unsureTryAgeMs >= QUIET_MS;
      if (event.cause === "refused" || event.cause === "merchant") {
        if (!conclusive) return stay(life, event.cause === "merchant" ? { do: "cannot-end", why: "too_early" } : { do: "keep" });
        return { next: { ...life, status: "refused" }, action: { do: "end", reason: event.cause === "refused" ? "no_payout_after_refusal" : "ended_by_merchant" } };
      }
      // Not made (yet): a forgotten key's create is sent again; a 409's waits for the list to show it.
      return stay(life, event.cause === "key" ? { do: "send" } : { do: "nothing" });
    }
    case "list-unreadable":
      return stay(life, unanswered(life) ? { do: "keep" } : { do: "nothing" });
    case "due": {
      if (ENDS.has(life.status)) return stay(life);
      if (life.payout || life.status !== "requesting") return stay(life, { do: "read" });
      // Never sent: the request that recorded it sends it; if it died, the sweep does, two minutes on.
      const last = life.lastSentAt ?? life.createdAt;
      const nextTry = last + (life.lastSentAt === null ? FIRST_DELAY_MS : resendDelayMs(last - life.createdAt));
      if (event.now < nextTry) return stay(life);
      if (event.now - life.createdAt > RESEND_FOR_MS) return stay(life, { do: "stop" });
      return stay(life, { do: "send" });
    }
    case "retry":
      if (!unanswered(life)) return stay(life, ENDS.has(life.status) ? { do: "nothing" } : { do: "read" });
      // Priced when it was recorded: too old to send, it waits for the merchant (end it, refund anew).
      if (event.now - life.createdAt > RESEND_FOR_MS) return stay(life, { do: "stop" });
      // PayRam may have forgotten the key: its list is read first.
      if (event.sentBefore && event.now - life.createdAt > KEY_TRUST_MS) return stay(life, { do: "lookup", cause: "key" });
      return stay(life, { do: "send" });
    case "end":
      if (ENDS.has(life.status)) return stay(life, { do: "cannot-end", why: "ended" });
      if (!unanswered(life)) return stay(life, { do: "cannot-end", why: "has_payout" });
      return stay(life, { do: "lookup", cause: "merchant" });
  }
}
