import { sql } from "kysely";
import pg from "pg";
import { CHANNEL_SQL, hearLocalChanges } from "./changes";
import { isPostgres, postgresConnectionOf, type Db } from "../db";
import { errorMessage, log } from "../log";
import { findOrder } from "../orders";
import { orderAttempts } from "../payments/attempts";
import { viewSettled } from "../payments/states";
import { currentAttempt, orderStatus, syncUnderWay, toStatusView, type OrderStatusView } from "../payments/status";
import type { SyncDeps } from "../payments/sync";
import { processWide } from "../process-wide";

/**
 * Live status: who watches which order. Every writer of what the status page shows calls
 * orderChanged (./changes.ts) in its transaction; each watched order is then read once (not once
 * per watcher) and its view sent to every watcher if it differs from the last one.
 *
 * On Postgres the news is a NOTIFY sent in the writer's transaction (delivered at its commit, to
 * every instance, this one included) and heard by one dedicated LISTEN connection per instance.
 * SQLite has one instance: the news is published in-process at once — the read it causes waits
 * for the writer's commit, since the one SQLite connection is held by the transaction — and a
 * separate `npm run sweep` process is noticed through PRAGMA data_version.
 */

export type Watcher = (view: OrderStatusView) => void;

interface Watch {
  deps: SyncDeps;
  /** Each watcher with the last view it was sent (a tab that joined later may hold an older one). */
  watchers: Map<Watcher, string>;
  /** A read is under way; `again`: news came meanwhile, read once more after it. */
  reading: boolean;
  again: boolean;
  /** Keeps an unannounced change (an expiry PayRam never delivers) within WATCHED_SYNC_MS. */
  syncTimer: ReturnType<typeof setInterval>;
}

/** A watched order is synced with PayRam at most this often, per order (the poll's stored claim makes it so across instances). */
export const WATCHED_SYNC_MS = 5_000;
/** Postgres: the listening connection proves itself alive by hearing its own NOTIFY this often. */
const SELF_CHECK_MS = 15_000;
/** SQLite: how often another process's commits are looked for while someone watches. */
const DATA_VERSION_POLL_MS = 250;

const watches = processWide("live-watches", () => new Map<string, Watch>());
// Once per process, whichever server layer loads this module first.
processWide("live-local-hearing", () => hearLocalChanges(publish));

/** Reads a watched order again and sends its view to its watchers if it changed. */
export function publish(orderId: string): void {
  const watch = watches.get(orderId);
  if (!watch) return;
  if (watch.reading) {
    watch.again = true;
    return;
  }
  watch.reading = true;
  void (async () => {
    try {
      do {
        watch.again = false;
        const view = await readView(watch.deps.db, orderId);
        if (view) deliver(orderId, watch, view);
      } while (watch.again && watches.get(orderId) === watch);
    } catch (error) {
      log.warn({ event: "live", err: errorMessage(error) }, "a watched order could not be read");
    } finally {
      watch.reading = false;
    }
  })();
}

async function readView(db: Db, orderId: string): Promise<OrderStatusView | null> {
  const order = await findOrder(db, orderId);
  if (!order) return null;
  const attempts = await orderAttempts(db, order.id);
  return toStatusView(order, attempts, syncUnderWay(db, currentAttempt(attempts)));
}

function deliver(orderId: string, watch: Watch, view: OrderStatusView) {
  const json = JSON.stringify(view);
  for (const [watcher, sent] of watch.watchers) {
    if (sent === json) continue;
    watch.watchers.set(watcher, json);
    watcher(view);
  }
  if (viewSettled(view)) unwatchAll(orderId);
}

/**
 * Starts watching an order whose current view the caller has just read (and sent). Returns the
 * way to stop. One watch per order, however many tabs; the first one starts its listener.
 */
export function watchOrder(deps: SyncDeps, orderId: string, current: OrderStatusView, watcher: Watcher, syncEveryMs = WATCHED_SYNC_MS): () => void {
  let watch = watches.get(orderId);
  if (!watch) {
    const created: Watch = {
      deps,
      watchers: new Map(),
      reading: false,
      again: false,
      syncTimer: setInterval(() => {
        // The sync's news reaches the watchers through the one read path (never an older view over a newer one).
        orderStatus(deps, orderId, { syncIntervalMs: syncEveryMs })
          .then(() => publish(orderId))
          .catch((error: unknown) => log.warn({ event: "live", err: errorMessage(error) }, "a watched order could not be synced"));
      }, syncEveryMs),
    };
    created.syncTimer.unref();
    watches.set(orderId, created);
    watch = created;
    listen(deps.db);
  } else {
    // A change may have landed between this watcher's read and now: read again, for it too.
    publish(orderId);
  }
  watch.watchers.set(watcher, JSON.stringify(current));
  const own = watch;
  return () => {
    own.watchers.delete(watcher);
    if (own.watchers.size === 0 && watches.get(orderId) === own) {
      clearInterval(own.syncTimer);
      watches.delete(orderId);
    }
  };
}

function unwatchAll(orderId: string) {
  const watch = watches.get(orderId);
  if (!watch) return;
  clearInterval(watch.syncTimer);
  watches.delete(orderId);
}

/** Every watched order of this database is read again (after a reconnect, or another process's commit). */
function publishAll(db: Db) {
  for (const [orderId, watch] of watches) if (watch.deps.db === db) publish(orderId);
}

function watchedOn(db: Db): boolean {
  for (const watch of watches.values()) if (watch.deps.db === db) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Hearing other writers: Postgres LISTEN, SQLite data_version.

interface Listener {
  stop(): Promise<void>;
}

const listeners = processWide("live-listeners", () => new Map<Db, Listener>());

function listen(db: Db) {
  if (listeners.has(db)) return;
  listeners.set(db, isPostgres(db) ? listenPostgres(db) : watchSqliteCommits(db));
}

/** Ends every listener (at shutdown, with the database). */
export async function stopListening(): Promise<void> {
  const all = [...listeners.values()];
  listeners.clear();
  await Promise.all(all.map((listener) => listener.stop()));
}

function listenPostgres(db: Db): Listener {
  const connection = postgresConnectionOf(db);
  let stopped = false;
  let client: pg.Client | null = null;
  let failures = 0;
  let selfCheck: ReturnType<typeof setInterval> | undefined;

  const connect = async () => {
    if (stopped || !connection) return;
    const current = new pg.Client({
      connectionString: connection.url,
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
      ...(connection.schema ? { options: `-c search_path=${connection.schema}` } : {}),
    });
    client = current;
    let lastHeard = Date.now();
    let pingSent = 0;
    const restart = (why: string) => {
      if (client !== current) return;
      client = null;
      clearInterval(selfCheck);
      current.removeAllListeners("notification");
      current.end().catch(() => {});
      if (stopped) return;
      const delay = Math.min(30_000, 500 * 2 ** Math.min(failures++, 6));
      log.warn({ event: "live", why, retryInMs: delay }, "the live-status connection to Postgres was lost: reconnecting");
      setTimeout(() => void connect(), delay).unref();
    };
    current.on("error", (error) => restart(errorMessage(error)));
    current.on("end", () => restart("connection ended"));
    try {
      await current.connect();
      const channel = (await current.query<{ channel: string }>(`select ${CHANNEL_SQL} as channel`)).rows[0]!.channel;
      current.on("notification", (message) => {
        lastHeard = Date.now();
        if (message.payload && !message.payload.startsWith("ping:")) publish(message.payload);
      });
      await current.query(`listen ${pg.escapeIdentifier(channel)}`);
      failures = 0;
      // Whatever changed while no one listened.
      publishAll(db);
      selfCheck = setInterval(() => {
        // The last ping went unheard for a whole round: the connection is dead, whatever TCP says.
        if (pingSent > lastHeard) return restart("did not hear its own NOTIFY");
        pingSent = Date.now();
        current.query("select pg_notify($1, $2)", [channel, `ping:${pingSent}`]).catch((error: unknown) => restart(errorMessage(error)));
      }, SELF_CHECK_MS);
      selfCheck.unref();
    } catch (error) {
      restart(errorMessage(error));
    }
  };
  void connect();
  return {
    async stop() {
      stopped = true;
      clearInterval(selfCheck);
      const current = client;
      client = null;
      await current?.end().catch(() => {});
    },
  };
}

/**
 * SQLite: this process's writers publish in-process; another process's (`npm run sweep`) are
 * noticed by PRAGMA data_version, which moves when another connection commits.
 */
function watchSqliteCommits(db: Db): Listener {
  let last: number | null = null;
  const timer = setInterval(() => {
    if (!watchedOn(db)) return;
    sql<{ data_version: number }>`pragma data_version`
      .execute(db)
      .then(({ rows }) => {
        const version = Number(rows[0]?.data_version);
        // The first reading has nothing to compare with: whatever came before it is read anyway.
        if (version !== last) publishAll(db);
        last = version;
      })
      .catch(() => {});
  }, DATA_VERSION_POLL_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
    },
  };
}
