import type { Kysely } from "kysely";
import type { Db } from "../db";
import { nowIso, type AttemptState, type Database, type EventSource, type PaymentAttempt } from "../db/schema";

/** The order's most recent payment attempt, or null before the first. */
export async function latestAttempt(db: Db, orderId: string): Promise<PaymentAttempt | null> {
  return (
    (await db
      .selectFrom("payment_attempts")
      .selectAll()
      .where("order_id", "=", orderId)
      .orderBy("attempt_number", "desc")
      .limit(1)
      .executeTakeFirst()) ?? null
  );
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
