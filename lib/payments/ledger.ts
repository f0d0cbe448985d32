import type { Kysely } from "kysely";
import type { Database, PaymentAttempt } from "../db/schema";
import { centsToDecimal } from "../rules/money";
import { decide, type LedgerEntry, type Verdict } from "../rules/ledger";

/** The columns of an attempt the ledger reads. */
export const LEDGER_COLUMNS = ["reference_id", "origin", "state", "amount_cents", "payram_amount_cents", "amount_received_cents", "received_usd", "received_at_quote"] as const;
export type LedgerRow = Pick<PaymentAttempt, (typeof LEDGER_COLUMNS)[number]>;

/**
 * An attempt as a ledger entry. A checkout payment for less than the total is "Pay the remaining";
 * a row from before the exact amounts were kept (migration 0015) has only its cents, valued now.
 */
export function entryOf(totalCents: number, row: LedgerRow): LedgerEntry {
  return {
    reference: row.reference_id,
    origin: row.origin === "payram" ? "payram" : row.amount_cents < totalCents ? "remaining" : "checkout",
    state: row.state,
    shopAskedCents: row.amount_cents,
    payramAskedCents: row.payram_amount_cents,
    receivedAtQuote: row.received_at_quote,
    receivedUsd: row.received_usd ?? (row.amount_received_cents === null ? null : centsToDecimal(row.amount_received_cents)),
  };
}

/** The order's verdict from its attempts as read (lib/rules/ledger.ts decide). */
export function verdictOf(order: { total_cents: number }, rows: readonly LedgerRow[]): Verdict {
  return decide(order.total_cents, rows.map((row) => entryOf(order.total_cents, row)));
}

/** Loads the order's entries and decides. Call it with the order row locked where the answer is acted on. */
export async function loadVerdict(db: Kysely<Database>, order: { id: string; total_cents: number }): Promise<Verdict> {
  const rows = await db.selectFrom("payment_attempts").select(LEDGER_COLUMNS).where("order_id", "=", order.id).execute();
  return verdictOf(order, rows);
}
