import { randomUUID } from "node:crypto";
import type { Insertable, Kysely } from "kysely";
import { orderChanged } from "../db/changes";
import { isPostgres, type Db } from "../db";
import { heldStock, orderStockLines, releaseStock, reserveStock } from "../catalog/stock";
import { nowIso, type AttemptState, type Database, type EventSource, type Order, type PaymentAttempt, type PaymentAttemptsTable } from "../db/schema";
import { raiseAttention } from "../notify/attention";
import { mailPaymentProgress } from "../notify/events";
import { LEDGER_COLUMNS, verdictOf } from "./ledger";
import { isOpen, merchantState, type AttemptFacts } from "../rules/states";

/** The order's most recent checkout attempt (what the shopper is paying now), or null before the first. */
export async function latestAttempt(db: Db, orderId: string): Promise<PaymentAttempt | null> {
  return (
    (await db
      .selectFrom("payment_attempts")
      .selectAll()
      .where("order_id", "=", orderId)
      .where("origin", "=", "checkout")
      .orderBy("attempt_number", "desc")
      .limit(1)
      .executeTakeFirst()) ?? null
  );
}

/** A new attempt of an order, numbered after its others, for the caller to insert in its transaction. */
export async function newAttemptRow(
  db: Kysely<Database>,
  orderId: string,
  fields: Pick<PaymentAttempt, "origin" | "state" | "reference_id" | "amount_cents">,
  now: string,
): Promise<Insertable<PaymentAttemptsTable>> {
  const last = await db.selectFrom("payment_attempts").select((eb) => eb.fn.max("attempt_number").as("n")).where("order_id", "=", orderId).executeTakeFirst();
  return {
    id: randomUUID(),
    order_id: orderId,
    attempt_number: (last?.n ?? 0) + 1,
    payment_url: null,
    amount_received_cents: null,
    failure_reason: null,
    created_at: now,
    updated_at: now,
    closed_at: null,
    ...fields,
  };
}

/** Every payment attempt of an order, oldest first. */
export async function orderAttempts(db: Db, orderId: string): Promise<PaymentAttempt[]> {
  return db.selectFrom("payment_attempts").selectAll().where("order_id", "=", orderId).orderBy("attempt_number").execute();
}

/** Appends a change of an attempt's state to its order's history. */
export async function recordPaymentEvent(
  db: Kysely<Database>,
  attempt: Pick<PaymentAttempt, "id" | "order_id">,
  change: { source: EventSource; from: AttemptState | null; to: AttemptState; receivedCents?: number | null; note?: string | null; at?: string },
): Promise<void> {
  await db
    .insertInto("payment_events")
    .values({
      order_id: attempt.order_id,
      attempt_id: attempt.id,
      source: change.source,
      from_state: change.from,
      to_state: change.to,
      amount_received_cents: change.receivedCents ?? null,
      note: change.note ?? null,
      created_at: change.at ?? nowIso(),
    })
    .execute();
}

/**
 * How long an attempt may stay STARTING: a create call's time-out and a margin. Past it, the
 * process that made the call has stopped (crash, kill -9) and the attempt is lost.
 */
export function startLostAfterMs(payramTimeoutMs: number): number {
  return payramTimeoutMs + 5_000;
}

/**
 * Closes an attempt still STARTING as START_FAILED (nothing happens if it has moved on); with
 * `flag`, also puts it before the merchant. True if it closed it.
 */
export async function closeStartingAttempt(db: Db, attempt: PaymentAttempt, source: EventSource, reason: string, flag?: string): Promise<boolean> {
  const now = nowIso();
  return db.transaction().execute(async (trx) => {
    const closed = await trx
      .updateTable("payment_attempts")
      .set({ state: "START_FAILED", failure_reason: reason, updated_at: now, closed_at: now })
      .where("id", "=", attempt.id)
      .where("state", "=", "STARTING")
      .executeTakeFirst();
    if (Number(closed.numUpdatedRows) === 0) return false;
    await recordPaymentEvent(trx, attempt, { source, from: "STARTING", to: "START_FAILED", note: reason, at: now });
    await refreshOrderPayment(trx, attempt.order_id);
    if (flag) {
      await trx
        .insertInto("attention_items")
        .values({ order_id: attempt.order_id, attempt_id: attempt.id, kind: "start_failed", detail: flag, created_at: now, resolved_at: null, resolution_note: null })
        .onConflict((oc) => oc.columns(["attempt_id", "kind"]).doNothing())
        .execute();
    }
    return true;
  });
}

/**
 * Closes a lost attempt and flags it for the merchant: PayRam may hold an open payment the shop
 * never heard of. The order's next attempt (same customerID) makes PayRam cancel it.
 */
export function closeLostStart(db: Db, attempt: PaymentAttempt, source: EventSource): Promise<boolean> {
  const reason = "the shop stopped before PayRam answered the payment request";
  return closeStartingAttempt(db, attempt, source, reason, `${reason}: PayRam may hold an open payment for attempt ${attempt.attempt_number} that the shop never heard of; the order's next payment cancels it`);
}

/** Closes every attempt left STARTING past its time-out (the sweep's look after a crash). */
export async function closeLostStarts(db: Db, payramTimeoutMs: number, source: EventSource): Promise<number> {
  const before = new Date(Date.now() - startLostAfterMs(payramTimeoutMs)).toISOString();
  const lost = await db.selectFrom("payment_attempts").selectAll().where("state", "=", "STARTING").where("created_at", "<", before).execute();
  let closed = 0;
  for (const attempt of lost) if (await closeLostStart(db, attempt, source)) closed++;
  return closed;
}

/**
 * Writes the order's payment state and USD received, for the merchant's filters, counts and CSV,
 * keeps its stock reservation in step, and tells the order's watchers (lib/live). Called in every
 * transaction that changes an attempt or pays the order (never anywhere else).
 */
export async function refreshOrderPayment(db: Kysely<Database>, orderId: string): Promise<void> {
  // Locked first: a concurrent payment must not be overwritten by a sum read before it committed.
  const order = await db
    .selectFrom("orders")
    .select(["id", "number", "email", "total_cents", "mails", "paid_at", "cancelled_at", "received_cents", "stock_released_at"])
    .where("id", "=", orderId)
    .$if(isPostgres(db), (qb) => qb.forUpdate())
    .executeTakeFirstOrThrow();
  const attempts = await db
    .selectFrom("payment_attempts")
    .select(["id", "attempt_number", ...LEDGER_COLUMNS])
    .where("order_id", "=", orderId)
    .orderBy("attempt_number")
    .execute();
  // What arrived, as the ledger counts it (rounded once, down): what refunds are measured against.
  const received = verdictOf(order, attempts).receivedCents;
  await db
    .updateTable("orders")
    .set({ payment_state: merchantState(order, attempts), received_cents: received })
    .where("id", "=", orderId)
    .execute();
  await keepStockInStep(db, orderId, order, attempts, received);
  const latest = attempts.findLast((attempt) => attempt.origin === "checkout") ?? null;
  await mailPaymentProgress(db, order, { receivedCents: order.received_cents }, { receivedCents: received, latest, anyOpen: attempts.some((attempt) => isOpen(attempt.state)) });
  // Its open status pages hear of it after the commit.
  await orderChanged(db, orderId);
}

/**
 * An order holds its stock while it is paid or a payment of it is open (a replaced payment
 * turning CANCELLED while its successor is open releases nothing) — and not once the merchant
 * cancelled it. Else it is released: a START_FAILED or expired checkout, with or without money
 * received (issue 29.2: a dust deposit must not hold stock past its payment's expiry; the money
 * stays on the order, "Pay the remaining" reserves again through the caps, and cancelling makes it
 * refundable). A payment opened or completed after the release reserves again; if the stock is
 * gone by then the merchant is told ("paid, but out of stock"). Once the merchant released the
 * stock while a payment was open (lib/orders/cancel.ts releaseOrderStock), an open payment or a
 * deposit no longer takes it again: only money that pays the order does.
 */
async function keepStockInStep(
  db: Kysely<Database>,
  orderId: string,
  order: Pick<Order, "paid_at" | "cancelled_at" | "stock_released_at">,
  attempts: readonly (AttemptFacts & Pick<PaymentAttempt, "id">)[],
  receivedCents: number,
): Promise<void> {
  const held = await heldStock(db, orderId);
  // An order of untracked products, or one placed before stock was tracked.
  if (!held.everHeld) return;
  const money = order.paid_at !== null || receivedCents > 0;
  const payable = order.cancelled_at === null && (order.paid_at !== null || attempts.some((attempt) => isOpen(attempt.state)));
  const now = nowIso();
  if (!payable && held.holding) await releaseStock(db, orderId, now);
  if (!payable || held.holding) return;
  if (order.stock_released_at !== null && order.paid_at === null) return;
  const short = await reserveStock(db, orderId, await orderStockLines(db, orderId), now);
  const last = attempts.at(-1);
  if (short.length === 0 || !money || !last) return;
  await raiseAttention(db, {
    order_id: orderId,
    attempt_id: last.id,
    kind: "out_of_stock",
    detail: `Money arrived after the order's stock was released, and it is gone: ${short.map((line) => `${line.name} (${line.available} left)`).join(", ")}. Restock it, or refund the shopper.`,
    order_key: "out_of_stock",
    created_at: now,
  });
}
