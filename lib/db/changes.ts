import { sql } from "kysely";
import { isPostgres, type Db } from "./";
import { processWide } from "../process-wide";

/**
 * The news that an order's view may have changed. Every writer of what the status page shows
 * calls orderChanged inside its transaction (lib/payments/attempts.ts refreshOrderPayment does,
 * for every transaction that changes a payment): on Postgres a NOTIFY that goes out with the
 * commit, to every instance (never for a rollback); on SQLite (one instance) the watchers of this
 * process, whose read waits for the commit (the one SQLite connection is the transaction's).
 * lib/live/hub.ts listens.
 */
export async function orderChanged(trx: Db, orderId: string): Promise<void> {
  if (isPostgres(trx)) {
    await sql`select pg_notify(${sql.raw(CHANNEL_SQL)}, ${orderId})`.execute(trx);
    return;
  }
  for (const hear of localHearers) hear(orderId);
}

/**
 * The channel of this database and schema, as SQL: parallel shops (and test runs) on one server
 * do not hear each other. Hashed to a fixed length: pg_notify refuses a channel of 64 bytes or
 * more, which would roll back the payment write it rides on.
 */
export const CHANNEL_SQL = `'shop_orders_' || substr(md5(current_database() || ':' || current_schema()), 1, 20)`;

const localHearers = processWide("live-local-hearers", () => new Set<(orderId: string) => void>());

/** SQLite: the hub hears this process's changes. */
export function hearLocalChanges(hear: (orderId: string) => void): void {
  localHearers.add(hear);
}
