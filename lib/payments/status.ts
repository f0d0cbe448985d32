import type { Db } from "../db";
import { FINAL_STATES, type AttemptState, type Order, type PaymentAttempt } from "../db/schema";
import { centsToDecimal } from "../money";
import { findOrder } from "../orders";
import { latestAttempt } from "./attempts";
import { syncPayment, type SyncDeps } from "./sync";

/**
 * What the shopper's status page shows, and what `GET /api/orders/[orderId]` returns: a compact
 * view, amounts as decimal strings. Reading it may ask PayRam first — at most once per order per
 * interval however many tabs, shoppers or app instances poll: the last sync time is stored, and
 * the one request that moves it forward is the one that asks.
 */
export type ShopperState = AttemptState | "NONE";

export interface OrderStatusView {
  orderNumber: number;
  state: ShopperState;
  /** True once the order is paid (and fulfilment queued). FILLED without it is under review. */
  paid: boolean;
  dueUsd: string;
  receivedUsd: string;
  remainingUsd: string;
  /** How much more than the total arrived (OVER_FILLED). */
  surplusUsd: string;
  paymentUrl: string | null;
  depositAddress: string | null;
  currency: string | null;
  /** When the payment last changed. */
  updatedAt: string;
  /** PayRam could not be asked just now: the state shown is the last one known. */
  checking: boolean;
  /** A new payment may be started for this order ("Pay again"). */
  canPayAgain: boolean;
}

export const DEFAULT_POLL_SYNC_INTERVAL_MS = 2_000;

export function toStatusView(order: Order, attempt: PaymentAttempt | null, checking = false): OrderStatusView {
  const received = attempt?.amount_received_cents ?? 0;
  const due = order.total_cents;
  const state: ShopperState = attempt?.state ?? "NONE";
  return {
    orderNumber: order.number,
    state,
    paid: order.paid_at !== null,
    dueUsd: centsToDecimal(due),
    receivedUsd: centsToDecimal(received),
    remainingUsd: centsToDecimal(Math.max(0, due - received)),
    surplusUsd: centsToDecimal(Math.max(0, received - due)),
    paymentUrl: state === "OPEN" || state === "PARTIALLY_FILLED" ? attempt?.payment_url ?? null : null,
    depositAddress: attempt?.deposit_address ?? null,
    currency: attempt?.currency ?? null,
    updatedAt: attempt?.updated_at ?? order.updated_at,
    checking,
    canPayAgain: canPayAgain(order, attempt),
  };
}

/** Only when nothing is paid or open, and no money is waiting to be sorted out by the merchant. */
export function canPayAgain(order: Order, attempt: PaymentAttempt | null): boolean {
  if (order.paid_at !== null || !attempt) return false;
  if (attempt.state === "START_FAILED") return true;
  return attempt.state === "CANCELLED" && (attempt.amount_received_cents ?? 0) === 0;
}

export async function orderStatus(
  deps: SyncDeps,
  orderId: string,
  options: { syncIntervalMs?: number } = {},
): Promise<OrderStatusView | null> {
  const order = await findOrder(deps.db, orderId);
  if (!order) return null;
  const attempt = await latestAttempt(deps.db, order.id);
  const askPayram =
    attempt?.reference_id &&
    !(FINAL_STATES as readonly AttemptState[]).includes(attempt.state) &&
    (await claimSync(deps.db, attempt, options.syncIntervalMs ?? DEFAULT_POLL_SYNC_INTERVAL_MS));
  if (!askPayram) return toStatusView(order, attempt);
  try {
    await syncPayment(deps, { referenceId: attempt.reference_id! }, "poll");
  } catch {
    // PayRam unreachable or erring: show the last known state, say we are still checking.
    return toStatusView(order, attempt, true);
  }
  return toStatusView((await findOrder(deps.db, order.id))!, await latestAttempt(deps.db, order.id));
}

/** True for the one caller that may ask PayRam now; the stored time makes it so across instances. */
async function claimSync(db: Db, attempt: PaymentAttempt, intervalMs: number): Promise<boolean> {
  const now = new Date();
  const staleBefore = new Date(now.getTime() - intervalMs).toISOString();
  // Fresh by the row just read: no write needed (most polls). Otherwise the UPDATE decides.
  if (attempt.last_synced_at !== null && attempt.last_synced_at > staleBefore) return false;
  const claimed = await db
    .updateTable("payment_attempts")
    .set({ last_synced_at: now.toISOString() })
    .where("id", "=", attempt.id)
    .where((eb) => eb.or([eb("last_synced_at", "is", null), eb("last_synced_at", "<=", staleBefore)]))
    .executeTakeFirst();
  return Number(claimed.numUpdatedRows) > 0;
}
