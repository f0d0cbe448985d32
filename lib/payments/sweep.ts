import { isPostgres } from "../db";
import { elapsed, log } from "../log";
import { nowIso, type EventSource } from "../db/schema";
import { SYNCABLE_STATES } from "./states";
import { closeLostStarts } from "./attempts";
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
}

/** Syncs the attempts that are due, batch by batch, until none is (or `stopped()` says so between batches). */
export async function sweepDue(deps: SyncDeps, options: SweepOptions = {}): Promise<SweepResult> {
  const total: SweepResult = { checked: 0, changed: 0, failed: 0 };
  if (options.payramTimeoutMs !== undefined) total.changed += await closeLostStarts(deps.db, options.payramTimeoutMs, "sweep");
  for (let batch = 0; batch < (options.maxBatches ?? 20) && !options.stopped?.(); batch++) {
    const claimed = await claimDue(deps, BATCH);
    add(total, await syncAll(deps, claimed));
    if (claimed.length < BATCH) break;
  }
  return total;
}

/** Syncs every open attempt now, due or not (the GET webhook's "something changed", and `npm run sweep -- --all`). */
export async function sweepAllOpen(deps: SyncDeps, source: EventSource = "sweep"): Promise<SweepResult> {
  const open = await deps.db
    .selectFrom("payment_attempts")
    .select("reference_id")
    .where("state", "in", SYNCABLE_STATES)
    .where("reference_id", "is not", null)
    .orderBy("created_at")
    .execute();
  return syncAll(
    deps,
    open.map((row) => row.reference_id!),
    source,
  );
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
  let next = 0;
  const worker = async () => {
    while (next < references.length) {
      const referenceId = references[next++]!;
      try {
        const synced = await syncPayment(deps, { referenceId }, source);
        result.checked++;
        if (synced.outcome === "changed") result.changed++;
      } catch {
        // Left with its lease: the next sweep after it expires tries again.
        result.failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, references.length) }, worker));
  return result;
}

function add(total: SweepResult, part: SweepResult) {
  total.checked += part.checked;
  total.changed += part.changed;
  total.failed += part.failed;
}

/**
 * The in-process schedule, started with the server. Never overlaps itself. `stop` ends it and
 * resolves once the batch in progress, if any, has finished: a shutdown lets it complete.
 */
export function startSweepSchedule(
  deps: SyncDeps,
  options: { intervalMs: number; payramTimeoutMs: number },
  onError: (error: unknown) => void,
): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  let stopped = false;
  const timer = setInterval(() => {
    if (running) return;
    const started = performance.now();
    running = sweepDue(deps, { stopped: () => stopped, payramTimeoutMs: options.payramTimeoutMs })
      .then((result) => {
        if (result.checked > 0) log.info({ event: "sweep", ...result, ms: elapsed(started) }, "sweep");
      })
      .catch(onError)
      .finally(() => {
        running = null;
      });
  }, options.intervalMs);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      return running ?? Promise.resolve();
    },
  };
}
