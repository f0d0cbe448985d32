import { z } from "zod";
import type { Db } from "../db";
import { nowIso, type AttentionKind } from "../db/schema";
import { formatUtc } from "../rules/format";
import { mailAttention } from "./events";
import { capReached, LIMITS } from "../security/rate-limit";
import { controlCharactersMessage, hasControlCharacters } from "../rules/text";

/**
 * What needs the merchant: money that arrived in a way the shop will not settle by itself
 * (flagged by syncPayment), checkouts that could not open a payment, partly paid orders gone
 * quiet, and webhook deliveries refused in the last day (forged or malformed).
 */
export interface AttentionEntry {
  id: number;
  kind: AttentionKind;
  detail: string;
  createdAt: string;
  orderId: string;
  orderNumber: number;
}

/** Adds the items that come from the passing of time or a failed start, once each. */
async function noteDerivedItems(db: Db, partialAfterMinutes: number): Promise<void> {
  const now = nowIso();
  const quietSince = new Date(Date.now() - partialAfterMinutes * 60_000).toISOString();
  const latest = (kind: "PARTIALLY_FILLED" | "START_FAILED") =>
    db
      .selectFrom("payment_attempts as a")
      .innerJoin("orders as o", "o.id", "a.order_id")
      .select(["a.id", "a.order_id", "a.updated_at", "a.amount_received_cents", "a.failure_reason"])
      .where("a.state", "=", kind)
      .where("o.paid_at", "is", null)
      .where("a.attempt_number", "=", (eb) =>
        eb.selectFrom("payment_attempts as p").select((p) => p.fn.max("p.attempt_number").as("n")).whereRef("p.order_id", "=", "a.order_id").where("p.origin", "=", "checkout"),
      );
  const stale = await latest("PARTIALLY_FILLED").where("a.updated_at", "<=", quietSince).execute();
  const failed = await latest("START_FAILED").execute();
  const items = [
    ...stale.map((a) => ({ order_id: a.order_id, attempt_id: a.id, kind: "partial_stale" as const, detail: `partly paid and quiet since ${formatUtc(a.updated_at)}` })),
    ...failed.map((a) => ({ order_id: a.order_id, attempt_id: a.id, kind: "start_failed" as const, detail: a.failure_reason ?? "the payment could not be started" })),
  ];
  for (const item of items) {
    await db
      .insertInto("attention_items")
      .values({ ...item, created_at: now, resolved_at: null, resolution_note: null })
      .onConflict((oc) => oc.columns(["attempt_id", "kind"]).doNothing())
      .execute();
  }
}

/**
 * Puts something before the merchant, once: an item whose key is taken (the same payment and
 * kind, or the same order key while unresolved) is not raised again. A raised item of a kind the
 * merchant is mailed about is mailed, in the caller's transaction. Returns whether it was raised.
 */
export async function raiseAttention(
  trx: Db,
  item: { order_id: string; attempt_id: string; kind: AttentionKind; detail: string; order_key?: string | null; created_at?: string },
): Promise<boolean> {
  const raised = await trx
    .insertInto("attention_items")
    .values({ ...item, order_key: item.order_key ?? null, created_at: item.created_at ?? nowIso(), resolved_at: null, resolution_note: null })
    .onConflict((oc) => oc.doNothing())
    .returning(["id", "order_id", "kind", "detail"])
    .executeTakeFirst();
  if (raised) await mailAttention(trx, raised);
  return raised !== undefined;
}

export async function needsAttention(db: Db, options: { partialAfterMinutes: number }) {
  await noteDerivedItems(db, options.partialAfterMinutes);
  const since = new Date(Date.now() - 24 * 60 * 60_000).toISOString();
  const [items, rejected] = await Promise.all([
    db
      .selectFrom("attention_items as i")
      .innerJoin("orders as o", "o.id", "i.order_id")
      .innerJoin("payment_attempts as a", "a.id", "i.attempt_id")
      .select(["i.id", "i.kind", "i.detail", "i.created_at", "o.id as order_id", "o.number", "o.paid_at", "a.state", "a.attempt_number", "a.reference_id"])
      .where("i.resolved_at", "is", null)
      .orderBy("i.created_at", "desc")
      .execute(),
    db.selectFrom("webhook_deliveries").selectAll().where("verdict", "=", "rejected").where("received_at", ">=", since).orderBy("id", "desc").limit(100).execute(),
  ]);
  // A failed start or a stale partial that the shopper has since settled needs nobody — unless
  // PayRam made the failed start after all (it holds a reference): PayRam may hold two.
  const stillRelevant = items.filter((item) => {
    if (item.kind === "start_failed") return (item.paid_at === null && item.state === "START_FAILED") || item.reference_id !== null;
    if (item.kind === "partial_stale") return item.paid_at === null && item.state === "PARTIALLY_FILLED";
    return true;
  });
  return {
    items: stillRelevant.map((item): AttentionEntry => ({ id: item.id, kind: item.kind, detail: item.detail, createdAt: item.created_at, orderId: item.order_id, orderNumber: item.number })),
    rejectedDeliveries: rejected,
  };
}

/** The "mark resolved" form, as the server accepts it. The note may span lines. */
export const resolveInputSchema = z.object({
  id: z.coerce.number().int().positive(),
  note: z
    .string()
    .trim()
    .min(1, "Write a short note on what you did.")
    .max(1000, "At most 1000 characters.")
    .refine((note) => !hasControlCharacters(note, { multiline: true }), controlCharactersMessage("the note")),
});

/** Marks an item resolved with the merchant's note; the note stays in the order's history. */
export async function resolveAttention(db: Db, id: number, note: string): Promise<boolean> {
  const result = await db
    .updateTable("attention_items")
    .set({ resolved_at: nowIso(), resolution_note: note })
    .where("id", "=", id)
    .where("resolved_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The shop-wide caps on anonymous traffic (lib/security/rate-limit.ts), as the merchant reads them. */
const CAPS = [
  { limit: LIMITS.rejectedWebhooksShopWide, what: "Refused webhook deliveries", per: "a minute", turnedAway: "answered 429, not recorded" },
  { limit: LIMITS.signInShopWide, what: "Sign-ins from browsers that never signed in here", per: "per 15 minutes", turnedAway: "past it, each address has one check a quarter hour" },
] as const;

export interface CapReached {
  name: string;
  /** "Refused webhook deliveries hit their cap (60 a minute) 3 times in the last day; 412 turned away (answered 429, not recorded)." */
  summary: string;
}

/** Which caps on anonymous traffic were reached in the last 24 hours, and how often: a sign of a flood or of guessing. */
export async function capsReached(db: Db, now = Date.now()): Promise<CapReached[]> {
  const since = new Date(now - 24 * 60 * 60_000);
  const reached: CapReached[] = [];
  for (const cap of CAPS) {
    const { windows, turnedAway } = await capReached(db, cap.limit, since);
    if (windows === 0) continue;
    reached.push({
      name: cap.limit.name,
      summary: `${cap.what} hit their cap (${cap.limit.limit} ${cap.per}) ${windows === 1 ? "once" : `${windows} times`} in the last day; ${turnedAway} turned away (${cap.turnedAway}).`,
    });
  }
  return reached;
}
