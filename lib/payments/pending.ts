import type { Db } from "../db";
import { nowIso } from "../db/schema";
import { errorMessage, log } from "../log";
import type { PaymentMatch } from "../payram/webhook";
import { syncPayment, type SyncDeps } from "./sync";

/**
 * References the shop could not look at yet: a delivery named a reference it does not hold for
 * one of its customers (a top-up under a new reference), and PayRam's GET failed. PayRam may
 * answer 500 for a reference it does not know (contract §8), so "PayRam is down" and "not a
 * payment" look alike: the delivery gets 503s (PayRam retries within seconds) for about
 * PENDING_AFTER_MS, then a 2xx, and the reference waits here for the sweep.
 */
export const PENDING_AFTER_MS = 10_000;
/** How long the sweep keeps asking: as long as PayRam keeps retrying a delivery (48 h). */
const GIVE_UP_AFTER_MS = 48 * 60 * 60_000;
const BACKOFF = { firstMs: 10_000, maxMs: 10 * 60_000 };

type Adoptable = { referenceId: string; customer: { id: string; email: string | null } };

export function isAdoptable(match: PaymentMatch | null): match is Adoptable & PaymentMatch {
  return match !== null && "referenceId" in match && match.customer !== undefined;
}

/**
 * Notes a failed look at an adoptable reference; true once it has failed for PENDING_AFTER_MS
 * (answer 2xx: the sweep carries on), false while PayRam should still retry.
 */
export async function notePending(db: Db, match: Adoptable, arrivedAt = Date.now()): Promise<boolean> {
  await db
    .insertInto("pending_references")
    .values({
      reference_id: match.referenceId,
      customer_id: match.customer.id,
      customer_email: match.customer.email,
      first_seen_at: new Date(arrivedAt).toISOString(),
      next_try_at: new Date(arrivedAt + BACKOFF.firstMs).toISOString(),
    })
    .onConflict((oc) => oc.column("reference_id").doNothing())
    .execute();
  const row = await db.selectFrom("pending_references").select("first_seen_at").where("reference_id", "=", match.referenceId).executeTakeFirst();
  return row !== undefined && arrivedAt - Date.parse(row.first_seen_at) >= PENDING_AFTER_MS;
}

/** The reference was looked at after all. */
export async function forgetPending(db: Db, referenceId: string): Promise<void> {
  await db.deleteFrom("pending_references").where("reference_id", "=", referenceId).execute();
}

/** The sweep's part: each due pending reference is synced again (adopted, or found not ours), with backoff. */
export async function retryPendingReferences(deps: SyncDeps, limit = 20): Promise<{ checked: number; failed: number }> {
  const now = Date.now();
  const due = await deps.db.selectFrom("pending_references").selectAll().where("next_try_at", "<=", nowIso()).orderBy("next_try_at").limit(limit).execute();
  const result = { checked: 0, failed: 0 };
  for (const row of due) {
    const tries = row.tries + 1;
    const next = new Date(now + Math.min(BACKOFF.maxMs, BACKOFF.firstMs * 2 ** Math.min(tries, 20))).toISOString();
    // Claimed by moving its time (another instance's sweep that read it too finds it moved).
    const claimed = await deps.db
      .updateTable("pending_references")
      .set({ next_try_at: next, tries })
      .where("reference_id", "=", row.reference_id)
      .where("next_try_at", "=", row.next_try_at)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 0) continue;
    try {
      const synced = await syncPayment(deps, { referenceId: row.reference_id, customer: { id: row.customer_id, email: row.customer_email } }, "sweep");
      result.checked++;
      await forgetPending(deps.db, row.reference_id);
      log.info({ event: "pending_reference", reference: row.reference_id, outcome: synced.outcome }, "a pending PayRam reference was looked at");
    } catch (error) {
      result.failed++;
      if (now - Date.parse(row.first_seen_at) > GIVE_UP_AFTER_MS) {
        await forgetPending(deps.db, row.reference_id);
        log.error(
          { event: "pending_reference", reference: row.reference_id, customer: row.customer_id, err: errorMessage(error) },
          "PayRam never answered for this reference in 48 hours: given up; look it up in PayRam's dashboard",
        );
      }
    }
  }
  return result;
}
