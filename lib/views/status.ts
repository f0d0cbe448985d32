import type { Db } from "../db";
import { nowIso, type Order, type PaymentAttempt } from "../db/schema";
import { errorMessage, log } from "../log";
import { centsToDecimal } from "../rules/money";
import { findOrder } from "../orders";
import { processWide } from "../process-wide";
import { orderAttempts } from "../payments/attempts";
import { orderProgress, type OrderProgress } from "./progress";
import { verdictOf } from "../payments/ledger";
import { isFinal, isSyncable, payAgainOffer, shopperState, STATUS_SYNC_INTERVAL_MS, type ShopperFacts, type ShopperState } from "../rules/states";
import { syncPayment, type SyncDeps } from "../payments/sync";
import { claimSync, releaseClaim, type Claim } from "../payments/sync-claim";

/**
 * What the shopper's status page shows, and what `GET /api/orders/[orderId]` returns: a compact
 * view, amounts as decimal strings. Reading it may ask PayRam — at most once per order per
 * interval however many tabs, shoppers or app instances poll: the last sync time is stored, and
 * the one request that moves it forward is the one that asks — but waits for it only briefly.
 */
export interface OrderStatusView extends ShopperFacts {
  orderNumber: number;
  paymentUrl: string | null;
  depositAddress: string | null;
  currency: string | null;
  /** The chain PayRam settles the payment on (its blockchainSymbol); null until the shopper picks one. */
  network: string | null;
  /** When the shopper's open payment expires at PayRam (null: not known, or nothing open). */
  expiresAt: string | null;
  /** When the payment last changed. */
  updatedAt: string;
  /** PayRam could not be asked just now: the state shown is the last one known. */
  checking: boolean;
  /** A new payment may be started for this order: `payAgain !== null`. */
  canPayAgain: boolean;
  /** The button for it: "Pay again" for the total, or "Pay the remaining $X" after part arrived on a cancelled payment. */
  payAgain: { kind: "again" | "remaining"; amountUsd: string } | null;
  /** A deposit PayRam has seen and is confirming: "Payment seen — confirming (current of required)". */
  confirming: { current: number; required: number } | null;
  /** The rest of the page (lines shipped, refunds): see OrderProgress. */
  revision: string;
  awaiting: boolean;
}

/** The shop's latest checkout attempt among an order's attempts (oldest first): what the shopper is paying now. */
export function currentAttempt(attempts: readonly PaymentAttempt[]): PaymentAttempt | null {
  return attempts.findLast((attempt) => attempt.origin === "checkout") ?? null;
}

/**
 * The view of an order and all its payment attempts (oldest first): the state of the shopper's
 * current payment, and the money over all of them as the ledger decides it (lib/rules/ledger.ts:
 * what arrived, what PayRam says is missing, a surplus only where PayRam reports one).
 */
export function toStatusView(order: Order, attempts: readonly PaymentAttempt[], progress: OrderProgress, checking = false): OrderStatusView {
  const attempt = currentAttempt(attempts);
  const money = verdictOf(order, attempts);
  const state: ShopperState = shopperState(attempts);
  const payAgain = payAgainOffer(order, attempts, money);
  return {
    orderNumber: order.number,
    state,
    paid: order.paid_at !== null,
    money: money.kind,
    dueUsd: centsToDecimal(order.total_cents),
    receivedUsd: centsToDecimal(money.receivedCents),
    // A paid order owes nothing.
    remainingUsd: centsToDecimal(order.paid_at !== null ? 0 : money.missingCents),
    surplusUsd: centsToDecimal(money.surplusCents),
    // A paid order's checkout payment may stay open at PayRam (a top-up paid it under another
    // reference): never invite the shopper to pay it again.
    paymentUrl: order.paid_at === null && attempt && isSyncable(attempt.state) ? attempt.payment_url : null,
    depositAddress: order.paid_at === null ? (attempt?.deposit_address ?? null) : null,
    currency: attempt?.currency ?? null,
    network: attempt?.network ?? null,
    expiresAt: order.paid_at === null && attempt && isSyncable(attempt.state) ? (attempt.expires_at ?? null) : null,
    updatedAt: attempt?.updated_at ?? order.updated_at,
    checking,
    canPayAgain: payAgain !== null,
    payAgain: payAgain && { kind: payAgain.kind, amountUsd: centsToDecimal(payAgain.amountCents) },
    confirming: order.paid_at === null ? confirmingOf(attempts) : null,
    cancelledByShop: order.cancelled_at !== null,
    stock: progress.stock,
    revision: progress.revision,
    awaiting: progress.awaiting,
  };
}

/**
 * A deposit under confirmation on any of the order's open references. PayRam reports 0 of n
 * before a deposit too, so only a count under way (more than 0, fewer than needed) says one is seen.
 */
function confirmingOf(attempts: readonly PaymentAttempt[]): OrderStatusView["confirming"] {
  const seen = attempts.findLast(
    (a) => isSyncable(a.state) && a.confirmations_current !== null && a.confirmations_required !== null && a.confirmations_current > 0 && a.confirmations_current < a.confirmations_required,
  );
  return seen ? { current: seen.confirmations_current!, required: seen.confirmations_required! } : null;
}

/** How long a poll waits for PayRam before answering from the database (the sync carries on). */
export const POLL_ANSWER_BUDGET_MS = 1_500;

type PollSync = Promise<"done" | "failed">;

/**
 * The syncs this instance's polls started, by reference, until they end. Keyed by database handle
 * too: the app holds one per process, tests open several to play several instances.
 */
const pollSyncs = processWide("poll-syncs", () => new WeakMap<Db, Map<string, PollSync>>());

function syncsOf(db: Db): Map<string, PollSync> {
  let syncs = pollSyncs.get(db);
  if (!syncs) pollSyncs.set(db, (syncs = new Map()));
  return syncs;
}

/** A poll's sync is under way: started here, or claimed by another instance and not yet ended. */
export function syncUnderWay(db: Db, attempt: PaymentAttempt | null): boolean {
  if (!attempt?.reference_id || isFinal(attempt.state)) return false;
  return syncsOf(db).has(attempt.reference_id) || (attempt.last_synced_at !== null && attempt.last_synced_at > nowIso());
}

/**
 * The status poll. Asks PayRam at most once per interval (see claimSync), but never waits on it
 * longer than POLL_ANSWER_BUDGET_MS: past that it answers from the database with `checking`, and
 * the sync lands in the background for a later poll.
 */
export async function orderStatus(
  deps: SyncDeps,
  orderId: string,
  options: { syncIntervalMs?: number } = {},
): Promise<OrderStatusView | null> {
  const order = await findOrder(deps.db, orderId);
  if (!order) return null;
  let attempts = await orderAttempts(deps.db, order.id);
  const sync = await syncWhenDue(deps, order, attempts, options.syncIntervalMs ?? STATUS_SYNC_INTERVAL_MS);
  if (sync === null) return statusView(deps.db, order, attempts);
  // Someone else's claim, just made.
  if (sync === "lost") attempts = await orderAttempts(deps.db, order.id);
  if (typeof sync === "string") return statusView(deps.db, order, attempts, syncUnderWay(deps.db, currentAttempt(attempts)));
  const outcome = await within(sync.running, POLL_ANSWER_BUDGET_MS);
  // Still asking: the last known state. Failed: the same, and we are still checking.
  if (outcome === "pending") return statusView(deps.db, order, attempts, true);
  return statusView(deps.db, (await findOrder(deps.db, order.id))!, await orderAttempts(deps.db, order.id), outcome === "failed");
}

/** The view of an order whose attempts were just read, with the progress of the rest of its page. */
export async function statusView(db: Db, order: Order, attempts: readonly PaymentAttempt[], checking = false): Promise<OrderStatusView> {
  const progress = (await orderProgress(db, [{ order, attempts }])).get(order.id)!;
  return toStatusView(order, attempts, progress, checking);
}

/**
 * The sync of an order's current payment: this instance's, under way, or one started now if the
 * interval has passed since the last (see claimSync); else why not — null when there is nothing to
 * ask (no open payment, or the order is paid). The status poll and the live-status watch
 * (lib/live/hub.ts) ask PayRam through it.
 */
export async function syncWhenDue(deps: SyncDeps, order: Order, attempts: readonly PaymentAttempt[], intervalMs: number): Promise<{ running: PollSync } | "fresh" | "lost" | null> {
  const attempt = currentAttempt(attempts);
  const referenceId = attempt?.reference_id;
  if (!attempt || !referenceId || isFinal(attempt.state) || order.paid_at !== null) return null;
  // Wrapped: an async function's promise result would be awaited with it.
  const running = syncsOf(deps.db).get(referenceId);
  if (running) return { running };
  const claim = await claimSync(deps.db, attempt, intervalMs);
  return typeof claim === "object" ? { running: startPollSync(deps, attempt, referenceId, claim) } : claim;
}

/** Runs the claimed sync to its end whoever waits for it; never rejects. */
function startPollSync(deps: SyncDeps, attempt: PaymentAttempt, referenceId: string, claim: Claim): PollSync {
  const syncs = syncsOf(deps.db);
  const sync = (async () => {
    try {
      await syncPayment(deps, { referenceId }, "poll");
      return "done" as const;
    } catch (error) {
      log.warn({ event: "poll_sync", referenceId, err: errorMessage(error) }, "PayRam could not be asked for a polled payment");
      return "failed" as const;
    } finally {
      await releaseClaim(deps.db, attempt.id, claim);
      syncs.delete(referenceId);
    }
  })();
  syncs.set(referenceId, sync);
  return sync;
}

async function within(sync: PollSync, ms: number): Promise<"done" | "failed" | "pending"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([sync, new Promise<"pending">((resolve) => (timer = setTimeout(resolve, ms, "pending")))]);
  } finally {
    clearTimeout(timer);
  }
}
