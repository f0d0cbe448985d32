import type { Db } from "../db";
import type { PaymentAttempt } from "../db/schema";
import { errorMessage, log } from "../log";

/**
 * Who may ask PayRam about a reference now: the stored claim that the status poll and the
 * webhook share, so that however many tabs poll and however fast PayRam delivers, on however
 * many instances, one reference costs at most one status call per interval.
 *
 * A claim stores the end of its lease in `last_synced_at`, a time still to come, which every
 * instance reads as "under way" until the sync stores its own (past) time. A sync that stored
 * nothing (failed, or PayRam does not know the payment) hands the time back with releaseClaim.
 */
export interface Claim {
  claimedAt: string;
  leaseUntil: string;
}

/**
 * How long a claim tells other instances "a sync is under way": longer than a sync takes as
 * shipped (3 tries × PAYRAM_TIMEOUT_MS of 5 s, and the waits between). A sync that lands ends it
 * sooner (it stores its own time), and so does one that fails; only a crashed instance leaves it
 * to expire — and a delivery's news waits for that (stored, then asked for), so it is kept short:
 * a sync slower than it costs at most one more status call.
 */
export const SYNC_LEASE_MS = 20_000;

/** A webhook delivery asks PayRam about its reference at most this often (contract §8: a delivery every ~3 s, or faster, while a deposit confirms). */
export const DELIVERY_SYNC_INTERVAL_MS = 2_000;

/**
 * The claim, or why not: "fresh" (asked within the interval, or being asked: by the row just
 * read, no write needed) or "lost" (another caller's UPDATE came first).
 */
export async function claimSync(db: Db, attempt: PaymentAttempt, intervalMs: number, options: { now?: Date; stateChange?: boolean } = {}): Promise<Claim | "fresh" | "lost"> {
  const now = options.now ?? new Date();
  const staleBefore = new Date(now.getTime() - intervalMs).toISOString();
  const fresh = attempt.last_synced_at !== null && attempt.last_synced_at > staleBefore;
  // A delivery announcing a new state (the payment filled) need not wait out the interval after
  // a sync that has landed: one such claim per sync (the UPDATE below is on that sync's exact
  // time), never while a sync is under way. A storm of progress deliveries never qualifies.
  const early = fresh && options.stateChange === true && attempt.last_synced_at! <= now.toISOString();
  if (fresh && !early) return "fresh";
  const claim = { claimedAt: now.toISOString(), leaseUntil: new Date(now.getTime() + SYNC_LEASE_MS).toISOString() };
  const claimed = await db
    .updateTable("payment_attempts")
    .set({ last_synced_at: claim.leaseUntil })
    .where("id", "=", attempt.id)
    .where((eb) => (early ? eb("last_synced_at", "=", attempt.last_synced_at!) : eb.or([eb("last_synced_at", "is", null), eb("last_synced_at", "<=", staleBefore)])))
    .executeTakeFirst();
  return Number(claimed.numUpdatedRows) > 0 ? claim : "lost";
}

/** Ends a claim whose sync stored nothing, back to the claim time: the next caller after the interval asks again. */
export async function releaseClaim(db: Db, attemptId: string, claim: Claim): Promise<void> {
  await db
    .updateTable("payment_attempts")
    .set({ last_synced_at: claim.claimedAt })
    .where("id", "=", attemptId)
    .where("last_synced_at", "=", claim.leaseUntil)
    .execute()
    .catch((error: unknown) => log.warn({ event: "sync_claim", attemptId, err: errorMessage(error) }, "sync claim not released"));
}

/**
 * A delivery claimed news while another caller held the claim, whose PayRam GET may have started
 * before the delivery arrived. Stored, so that neither a crash nor that sync's own schedule loses
 * it: the news time (applyPayment keeps the next sync near until a GET started after it), and the
 * next sync at the end of the claim. Returns that time.
 */
export async function requestResync(db: Db, attemptId: string, arrivedAt: Date, intervalMs = DELIVERY_SYNC_INTERVAL_MS): Promise<string | null> {
  const row = await db.selectFrom("payment_attempts").select(["state", "last_synced_at"]).where("id", "=", attemptId).executeTakeFirst();
  if (!row || (row.state !== "OPEN" && row.state !== "PARTIALLY_FILLED")) return null;
  const now = Date.now();
  const lastSynced = row.last_synced_at === null ? 0 : Date.parse(row.last_synced_at);
  // A lease still running ends when its sync lands (that sync then keeps the next sync near); a
  // sync that landed leaves the rest of its interval.
  const claimEnd = new Date(Math.max(now, lastSynced > now ? lastSynced : lastSynced + intervalMs)).toISOString();
  const arrived = arrivedAt.toISOString();
  // One statement, whatever else writes the row meanwhile: the later news time, the earlier next
  // sync (none stored is "due now" for the sweep: kept so).
  await db
    .updateTable("payment_attempts")
    .set((eb) => ({
      next_sync_at: eb.case().when("next_sync_at", ">", claimEnd).then(claimEnd).else(eb.ref("next_sync_at")).end(),
      unseen_news_at: eb
        .case()
        .when(eb.or([eb("unseen_news_at", "is", null), eb("unseen_news_at", "<", arrived)]))
        .then(arrived)
        .else(eb.ref("unseen_news_at"))
        .end(),
    }))
    .where("id", "=", attemptId)
    .where("state", "in", ["OPEN", "PARTIALLY_FILLED"])
    .execute();
  return claimEnd;
}
