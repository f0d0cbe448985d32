import { sql } from "kysely";
import type { Db } from "../db";
import { OPEN_ATTEMPT_STATES, MERCHANT_STATES } from "../rules/states";
import { REFUND_STATUSES } from "../rules/refund-life";
import { openStreamCount } from "../live/stream";
import { metrics } from "../metrics";
import { processWide } from "../process-wide";

/**
 * The gauges a scrape of /api/metrics reads from the database — orders by payment state, refunds
 * by status, the oldest open payment, the mail outbox, the sweep's lag — read at most once every
 * FIGURES_MAX_AGE_MS per process, however often (and however many scrapers) ask: concurrent
 * scrapes share one read. Figures for the whole database, so every instance reports the same.
 */
export const FIGURES_MAX_AGE_MS = 15_000;

const state = processWide("shop-figures", () => ({ readAt: 0, reading: null as Promise<void> | null }));

/** Brings the gauges up to date for a scrape; returns when they are. A failed read keeps the last figures. */
export async function refreshShopFigures(db: Db, now = Date.now()): Promise<void> {
  metrics().liveStreams.set(openStreamCount());
  if (now - state.readAt < FIGURES_MAX_AGE_MS) return;
  state.reading ??= readInto(db, now).finally(() => {
    state.reading = null;
  });
  await state.reading;
}

async function readInto(db: Db, now: number): Promise<void> {
  const [orders, refunds, openPayment, outbox, overdue] = await Promise.all([
    db.selectFrom("orders").select(["payment_state", sql<number>`count(*)`.as("n")]).groupBy("payment_state").execute(),
    db.selectFrom("refunds").select(["status", sql<number>`count(*)`.as("n")]).groupBy("status").execute(),
    db
      .selectFrom("payment_attempts")
      .select((eb) => eb.fn.min("created_at").as("oldest"))
      .where("state", "in", [...OPEN_ATTEMPT_STATES])
      .executeTakeFirst(),
    db
      .selectFrom("outbox")
      .select([sql<number>`count(*)`.as("n"), (eb) => eb.fn.min("created_at").as("oldest")])
      .where("sent_at", "is", null)
      .where("gave_up_at", "is", null)
      .executeTakeFirst(),
    db
      .selectFrom("payment_attempts")
      .select((eb) => eb.fn.min("next_sync_at").as("oldest"))
      .where("state", "in", [...OPEN_ATTEMPT_STATES])
      .where("next_sync_at", "<=", new Date(now).toISOString())
      .executeTakeFirst(),
  ]);
  const m = metrics();
  const ordersByState = new Map(orders.map((row) => [row.payment_state, Number(row.n)]));
  for (const paymentState of MERCHANT_STATES) m.orders.set({ payment_state: paymentState }, ordersByState.get(paymentState) ?? 0);
  const refundsByStatus = new Map(refunds.map((row) => [row.status, Number(row.n)]));
  for (const status of REFUND_STATUSES) m.refunds.set({ status }, refundsByStatus.get(status) ?? 0);
  m.openPaymentOldestAge.set(secondsSince(openPayment?.oldest, now));
  m.outboxUnsent.set(Number(outbox?.n ?? 0));
  m.outboxOldestUnsentAge.set(secondsSince(outbox?.oldest, now));
  m.sweepLag.set(secondsSince(overdue?.oldest, now));
  m.figuresReadAt.set(now / 1000);
  state.readAt = now;
}

function secondsSince(iso: string | null | undefined, now: number): number {
  if (!iso) return 0;
  return Math.max(0, (now - Date.parse(iso)) / 1000);
}
