import { deleteExpiredSessions } from "../auth/session-store";
import type { Config } from "../config";
import type { Db } from "../db";
import { deleteEndedWindows } from "../security/rate-limit";

/**
 * What the shop forgets, so that anonymous traffic cannot grow the database without bound. Run
 * by the server on its own schedule (RETENTION_INTERVAL_MS, lib/jobs/startup.ts) and by
 * `npm run sweep`; safe on several instances at once (deletes only).
 *
 * - Carts idle (nothing added) for CART_RETENTION_DAYS, with their items, whether or not a
 *   checkout tied them to an order: the order keeps its own copy of the items, and the cart's
 *   cookie ends 30 days after the last addition, so by the default nobody can reach it anymore.
 * - Rate-limit windows that have ended (shop-wide caps after a day: "Needs attention" counts them).
 * - Webhook deliveries older than WEBHOOK_LOG_RETENTION_DAYS, except those that changed an order
 *   (verdict "accepted" with an order): those are the order's history and stay as long as it does.
 * - Merchant sessions past their expiry.
 *
 * Never the audit log (issue 30: kept at least a year; here, for good): it is append-only, and
 * the database refuses to delete from it anyway (migration 0021's trigger).
 */
export interface RetentionCounts {
  carts: number;
  rateLimitWindows: number;
  webhookDeliveries: number;
  adminSessions: number;
}

const DAY_MS = 24 * 60 * 60_000;
/** Rows per statement: a big backlog is deleted in short transactions, not one long lock. */
const BATCH = 500;

export async function runRetention(db: Db, config: Pick<Config, "retention">, now: Date = new Date()): Promise<RetentionCounts> {
  const cartsBefore = new Date(now.getTime() - config.retention.cartDays * DAY_MS).toISOString();
  const deliveriesBefore = new Date(now.getTime() - config.retention.webhookLogDays * DAY_MS).toISOString();

  const carts = await inBatches(async () => {
    const ids = (await db.selectFrom("carts").select("id").where("updated_at", "<", cartsBefore).limit(BATCH).execute()).map((row) => row.id);
    if (ids.length === 0) return 0;
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom("cart_items").where("cart_id", "in", ids).execute();
      await trx.deleteFrom("carts").where("id", "in", ids).execute();
    });
    return ids.length;
  });

  const webhookDeliveries = await inBatches(async () => {
    const ids = (
      await db
        .selectFrom("webhook_deliveries")
        .select("id")
        .where("received_at", "<", deliveriesBefore)
        .where((eb) => eb.or([eb("verdict", "!=", "accepted"), eb("order_id", "is", null)]))
        .limit(BATCH)
        .execute()
    ).map((row) => row.id);
    if (ids.length === 0) return 0;
    await db.deleteFrom("webhook_deliveries").where("id", "in", ids).execute();
    return ids.length;
  });

  const rateLimitWindows = await deleteEndedWindows(db, now.getTime());
  const adminSessions = await deleteExpiredSessions(db, now);
  return { carts, rateLimitWindows, webhookDeliveries, adminSessions };
}

async function inBatches(deleteBatch: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await deleteBatch();
    total += deleted;
    if (deleted < BATCH) return total;
  }
}
