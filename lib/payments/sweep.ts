import { isPostgres } from "../db";
import { forEachLimited } from "../concurrency";
import { errorMessage, log } from "../log";
import { nowIso, type EventSource } from "../db/schema";
import { processWide } from "../process-wide";
import { customerIdFor } from "../payram/ids";
import { MERCHANT_STATES, SYNCABLE_STATES } from "../rules/states";
import { releaseOrphanedStock } from "../catalog/stock";
import { mailRefusedWebhooks } from "../notify/events";
import { syncOpenRefunds } from "../refunds";
import { closeLostStarts, startLostAfterMs } from "./attempts";
import { retryPendingReferences } from "./pending";
import { syncPayment, type SyncDeps } from "./sync";

/**
 * The sweep: open payments are re-checked with PayRam, for the webhooks that never came
 * (dropped, or never sent: expiry). Each attempt carries its next sync time, backing off while
 * nothing changes, so new orders are not starved by old ones. Several instances may sweep at
 * once: a batch is claimed (SKIP LOCKED on Postgres; SQLite has one writer) by pushing its next
 * sync time past a lease before any PayRam call.
 */
export interface SweepResult {
  checked: number;
  changed: number;
  failed: number;
}

const LEASE_MS = 2 * 60_000;
const BATCH = 50;

export interface SweepOptions {
  maxBatches?: number;
  stopped?: () => boolean;
  /**
   * PayRam's create time-out: attempts left STARTING longer than it allows (the process died
   * mid-call) are closed and flagged first. Without it they are left alone.
   */
  payramTimeoutMs?: number;
  /** The payment search's schedule (default: this process's). */
  search?: SearchSchedule;
}

/** Syncs the attempts that are due, batch by batch, until none is (or `stopped()` says so between batches). */
export async function sweepDue(deps: SyncDeps, options: SweepOptions = {}): Promise<SweepResult> {
  const total: SweepResult = { checked: 0, changed: 0, failed: 0 };
  if (options.payramTimeoutMs !== undefined) {
    total.changed += await closeLostStarts(deps.db, options.payramTimeoutMs, "sweep");
    // Stock held by an order whose first payment never started (the process stopped in between).
    await releaseOrphanedStock(deps.db, startLostAfterMs(options.payramTimeoutMs), isPostgres(deps.db));
  }
  for (let batch = 0; batch < (options.maxBatches ?? 20) && !options.stopped?.(); batch++) {
    const claimed = await claimDue(deps, BATCH);
    add(total, await syncAll(deps, claimed));
    if (claimed.length < BATCH) break;
  }
  if (!options.stopped?.()) add(total, await searchForLostPayments(deps, { schedule: options.search, stopped: options.stopped }));
  // References whose deliveries were acknowledged while PayRam could not answer for them.
  if (!options.stopped?.()) add(total, { changed: 0, ...(await retryPendingReferences(deps)) });
  // A burst of refused webhook deliveries: the merchant hears of it (once an hour at most).
  await mailRefusedWebhooks(deps.db);
  // Refunds PayRam has not finished (payout webhooks are only a signal, and may be lost).
  if (!options.stopped?.()) total.changed += await syncOpenRefunds(deps);
  return total;
}

/**
 * Syncs every open attempt now, due or not (the GET webhook's "something changed", and `npm run
 * sweep -- --all`). As the sweep (not for a webhook), it also searches PayRam now for every order
 * with money and no verdict (or paid within PAID_SEARCH_WINDOW_MS), whatever the search's schedule says.
 */
export async function sweepAllOpen(deps: SyncDeps, source: EventSource = "sweep", options: { search?: SearchSchedule } = {}): Promise<SweepResult> {
  const open = await deps.db
    .selectFrom("payment_attempts")
    .select("reference_id")
    .where("state", "in", SYNCABLE_STATES)
    .where("reference_id", "is not", null)
    .orderBy("created_at")
    .execute();
  const result = await syncAll(
    deps,
    open.map((row) => row.reference_id!),
    source,
  );
  if (source === "sweep") add(result, await searchForLostPayments(deps, { schedule: options.search, all: true }));
  return result;
}

/**
 * The search for lost top-ups. Under one reading of PayRam a top-up after an underpayment is a
 * new payment request under a new reference, and only its deliveries tell the shop it exists: if
 * every one of them is lost (PayRam gives up after a few days of retries), no status call can
 * find it. So for each order that has money but no verdict (partly paid, or cancelled with funds,
 * and not paid), and each order paid within PAID_SEARCH_WINDOW_MS (money sent after the order was
 * paid — a second transfer to the first payment's address — is a new reference too, and the
 * merchant owes it back), the sweep asks PayRam's payment search for the order's customer and
 * adopts every reference it does not hold yet, through syncPayment (whose GET must name the same
 * customer; the ledger then makes it a surplus, flagged for the merchant).
 *
 * Each order backs off from a minute to an hour (a paid order: to PAID_SEARCH_MAX_WAIT_MS) while
 * the search finds nothing new, and starts over when the order's money changes; unpaid orders are
 * searched first when more are due than a pass searches. The schedule lives in memory (processWide), not in the
 * database: losing it at a restart costs one search per such order, a search changes nothing by
 * itself, and adoption is keyed on the reference, so several instances (each with its own
 * schedule) searching the same order at once adopt a reference once. Orders older than 30 days
 * are left to the merchant ("Needs attention" lists them).
 *
 * A PayRam without the search (404) is noted in the log once per process; the shop then relies
 * on PayRam's retries of the top-up's deliveries, and asks again after an hour (PayRam may have
 * been upgraded).
 */
export interface SearchSchedule {
  /** By order id: when to search next, after how many searches that found nothing, and at what money. */
  orders: Map<string, { nextAt: number; quiet: number; receivedCents: number }>;
  /** Until when PayRam is taken to have no search (ms since the epoch). */
  unsupportedUntil: number;
  unsupportedLogged: boolean;
}

export const SEARCH_BACKOFF = { firstMs: 60_000, maxMs: 60 * 60_000 };
const SEARCH_WINDOW_MS = 30 * 24 * 60 * 60_000;
/**
 * How long after an order is paid the sweep still searches for later money on it: PayRam retries
 * a webhook delivery for a few days, so past a week a top-up nobody announced is left to the
 * merchant's own look at PayRam.
 */
export const PAID_SEARCH_WINDOW_MS = 7 * 24 * 60 * 60_000;
/** A paid order rarely gets more money: its search waits up to 6 h (about 35 searches in its week). */
const PAID_SEARCH_MAX_WAIT_MS = 6 * 60 * 60_000;
const SEARCHES_PER_PASS = 20;
const UNSUPPORTED_RECHECK_MS = 60 * 60_000;

export function newSearchSchedule(): SearchSchedule {
  return { orders: new Map(), unsupportedUntil: 0, unsupportedLogged: false };
}

const processSearchSchedule = processWide("sweep-search-schedule", newSearchSchedule);

/** Orders with money and no verdict, or paid lately, whose search is due (all of them with `all`): searched, their finds adopted. */
export async function searchForLostPayments(
  deps: SyncDeps,
  options: { schedule?: SearchSchedule; all?: boolean; stopped?: () => boolean } = {},
): Promise<SweepResult> {
  const result: SweepResult = { checked: 0, changed: 0, failed: 0 };
  const schedule = options.schedule ?? processSearchSchedule;
  const now = Date.now();
  if (schedule.unsupportedUntil > now) return result;
  const candidates = await deps.db
    .selectFrom("orders")
    .select(["id", "number", "received_cents", "paid_at"])
    // By payment_state, so that the (payment_state, created_at) index serves the query.
    .where((eb) =>
      eb.or([
        eb.and([
          eb(
            "payment_state",
            "in",
            MERCHANT_STATES.filter((state) => state !== "PAID"),
          ),
          eb("paid_at", "is", null),
        ]),
        eb.and([eb("payment_state", "=", "PAID"), eb("paid_at", ">=", new Date(now - PAID_SEARCH_WINDOW_MS).toISOString())]),
      ]),
    )
    .where("received_cents", ">", 0)
    .where("created_at", ">=", new Date(now - SEARCH_WINDOW_MS).toISOString())
    .execute();
  const current = new Set(candidates.map((order) => order.id));
  for (const id of schedule.orders.keys()) if (!current.has(id)) schedule.orders.delete(id);
  const due = candidates
    .map((order) => ({ order, entry: schedule.orders.get(order.id) }))
    .filter(({ order, entry }) => options.all || !entry || entry.nextAt <= now || entry.receivedCents !== Number(order.received_cents))
    .sort((a, b) => Number(a.order.paid_at !== null) - Number(b.order.paid_at !== null) || (a.entry?.nextAt ?? 0) - (b.entry?.nextAt ?? 0))
    .slice(0, options.all ? undefined : SEARCHES_PER_PASS);

  for (const { order, entry } of due) {
    if (options.stopped?.()) break;
    const customerId = customerIdFor(order.number, deps.customerPrefix);
    let found: Awaited<ReturnType<SyncDeps["payram"]["searchPayments"]>>;
    try {
      found = await deps.payram.searchPayments(customerId);
    } catch (error) {
      result.failed++;
      log.warn({ event: "sweep_search", order: order.number, err: errorMessage(error) }, "PayRam's payment search failed: asking again later");
      backOff(schedule, order, entry, false);
      continue;
    }
    if (found === "unsupported") {
      schedule.unsupportedUntil = Date.now() + UNSUPPORTED_RECHECK_MS;
      if (!schedule.unsupportedLogged) {
        schedule.unsupportedLogged = true;
        log.warn(
          { event: "sweep_search", unsupported: true },
          "PayRam has no payment search (404): a top-up PayRam opens under a new reference reaches its order only by PayRam's webhook deliveries and their retries",
        );
      }
      break;
    }
    // Only this customer's payments: a PayRam that ignored the search's filter must not make the
    // shop ask about every payment of the project.
    const references = [...new Set(found.filter((payment) => payment.customerId === null || payment.customerId === customerId).map((payment) => payment.referenceId))];
    const held =
      references.length === 0
        ? new Set<string>()
        : new Set((await deps.db.selectFrom("payment_attempts").select("reference_id").where("reference_id", "in", references).execute()).map((row) => row.reference_id));
    let changed = false;
    for (const referenceId of references.filter((reference) => !held.has(reference))) {
      try {
        const synced = await syncPayment(deps, { referenceId, customer: { id: customerId, email: null } }, "sweep");
        result.checked++;
        if (synced.outcome === "changed") {
          result.changed++;
          changed = true;
        }
      } catch (error) {
        result.failed++;
        log.warn({ event: "sweep_search", order: order.number, reference: referenceId, err: errorMessage(error) }, "a payment PayRam's search found could not be taken on: trying again later");
      }
    }
    backOff(schedule, order, entry, changed);
  }
  return result;
}

function backOff(schedule: SearchSchedule, order: { id: string; received_cents: number; paid_at: string | null }, entry: { quiet: number } | undefined, changed: boolean) {
  const quiet = changed ? 0 : (entry?.quiet ?? 0) + 1;
  const maxMs = order.paid_at === null ? SEARCH_BACKOFF.maxMs : PAID_SEARCH_MAX_WAIT_MS;
  const wait = changed ? 0 : Math.min(maxMs, SEARCH_BACKOFF.firstMs * 2 ** Math.min(quiet - 1, 20));
  schedule.orders.set(order.id, { nextAt: Date.now() + wait, quiet, receivedCents: Number(order.received_cents) });
}

async function claimDue(deps: SyncDeps, limit: number): Promise<string[]> {
  const now = nowIso();
  const leaseUntil = new Date(Date.now() + LEASE_MS).toISOString();
  return deps.db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom("payment_attempts")
      .select(["id", "reference_id"])
      .where("state", "in", SYNCABLE_STATES)
      .where("reference_id", "is not", null)
      .where((eb) => eb.or([eb("next_sync_at", "is", null), eb("next_sync_at", "<=", now)]))
      .orderBy("next_sync_at")
      .limit(limit)
      .$if(isPostgres(deps.db), (qb) => qb.forUpdate().skipLocked())
      .execute();
    if (due.length === 0) return [];
    await trx
      .updateTable("payment_attempts")
      .set({ next_sync_at: leaseUntil })
      .where(
        "id",
        "in",
        due.map((row) => row.id),
      )
      .execute();
    return due.map((row) => row.reference_id!);
  });
}

/** A few at a time: PayRam is the merchant's own server, not a CDN. */
async function syncAll(deps: SyncDeps, references: string[], source: EventSource = "sweep", concurrency = 4): Promise<SweepResult> {
  const result: SweepResult = { checked: 0, changed: 0, failed: 0 };
  await forEachLimited(references, concurrency, async (referenceId) => {
    try {
      const synced = await syncPayment(deps, { referenceId }, source);
      result.checked++;
      if (synced.outcome === "changed") result.changed++;
    } catch {
      // Left with its lease: the next sweep after it expires tries again.
      result.failed++;
    }
  });
  return result;
}

function add(total: SweepResult, part: SweepResult) {
  total.checked += part.checked;
  total.changed += part.changed;
  total.failed += part.failed;
}
