import type { Db } from "../db";
import type { PaymentAttempt } from "../db/schema";

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
