import { sql } from "kysely";
import pg from "pg";
import { CHANNEL_SQL, hearLocalChanges } from "../db/changes";
import { isPostgres, postgresConnectionOf, type Db } from "../db";
import { errorMessage, log } from "../log";
import { forEachLimited } from "../concurrency";
import type { Order, PaymentAttempt } from "../db/schema";
import { orderProgress } from "../views/progress";
import { paymentSettled, viewSettled } from "../rules/states";
import { currentAttempt, syncUnderWay, syncWhenDue, toStatusView, type OrderStatusView } from "../views/status";
import type { SyncDeps } from "../payments/sync";
import { processWide } from "../process-wide";

/**
 * Live status: who watches which order. Every writer of what the status page shows calls
 * orderChanged (./changes.ts) in its transaction; each watched order is then read once (not once
 * per watcher; the orders with news together, a few queries for a burst) and its view sent to
 * every watcher if it differs from the last one. One timer per database syncs the watched orders
 * with PayRam, a few at a time.
 *
 * On Postgres the news is a NOTIFY sent in the writer's transaction (delivered at its commit, to
 * every instance, this one included) and heard by one dedicated LISTEN connection per instance.
 * SQLite has one instance: the news is published in-process at once — the read it causes waits
 * for the writer's commit, since the one SQLite connection is held by the transaction — and a
 * separate `npm run sweep` process is noticed through PRAGMA data_version.
 */

export type Watcher = (view: OrderStatusView) => void;

interface Watch {
  /** Each watcher with the last view it was sent (a tab that joined later may hold an older one). */
  watchers: Map<Watcher, string>;
  /** Keeps an unannounced change (an expiry PayRam never delivers) within syncEveryMs. */
  syncEveryMs: number;
  nextSyncAt: number;
  /** No more money will come by itself (a paid order still to ship): nothing to sync, only news to hear. */
  paymentSettled: boolean;
}

/** The watched orders of one database (the app holds one; tests open several to play instances). */
interface Hub {
  db: Db;
  deps: SyncDeps;
  watches: Map<string, Watch>;
  /** Watched orders with news, read together by the next read. */
  news: Set<string>;
  reading: boolean;
  syncTimer: ReturnType<typeof setTimeout> | null;
  syncTimerAt: number;
  syncing: boolean;
  listener: Listener;
}

/** A watched order is synced with PayRam at most this often, per order (the poll's stored claim makes it so across instances). */
export const WATCHED_SYNC_MS = 5_000;
/** How many watched orders are synced at once: the rest of the pool stays free for the reads that push news. */
const WATCH_SYNC_CONCURRENCY = 4;
/** The most orders one query reads (bound parameters are limited). */
const READ_CHUNK = 500;
/** Postgres: the listening connection proves itself alive by hearing its own NOTIFY this often. */
const SELF_CHECK_MS = 15_000;
/** SQLite: how often another process's commits are looked for while someone watches. */
const DATA_VERSION_POLL_MS = 250;

const hubs = processWide("live-hubs", () => new Map<Db, Hub>());
// Once per process, whichever server layer loads this module first.
processWide("live-local-hearing", () => hearLocalChanges(publish));

/** News of an order (SQLite: from this process's writers): its watchers on every database handle hear it. */
export function publish(orderId: string): void {
  for (const hub of hubs.values()) if (hub.watches.has(orderId)) readSoon(hub, [orderId]);
}

/**
 * Reads orders with news and sends each watcher the view if it changed. One read at a time per
 * database, for every order with news (news arriving meanwhile waits for the next), so a burst
 * of NOTIFYs costs a few queries, and a view is never sent over a newer one.
 */
function readSoon(hub: Hub, orderIds: Iterable<string>) {
  for (const orderId of orderIds) hub.news.add(orderId);
  if (hub.reading || hub.news.size === 0) return;
  hub.reading = true;
  void (async () => {
    while (hub.news.size > 0) {
      const batch = [...hub.news].filter((orderId) => hub.watches.has(orderId));
      hub.news.clear();
      try {
        const found = await ordersWithAttempts(hub.db, batch);
        const progress = await orderProgress(hub.db, found);
        for (const { order, attempts } of found) {
          const watch = hub.watches.get(order.id);
          if (watch) deliver(hub, order.id, watch, toStatusView(order, attempts, progress.get(order.id)!, syncUnderWay(hub.db, currentAttempt(attempts))));
        }
      } catch (error) {
        log.warn({ event: "live", orders: batch.length, err: errorMessage(error) }, "watched orders could not be read");
      }
    }
    hub.reading = false;
  })();
}

/** Orders (those that exist) with their payment attempts, oldest first: a few queries however many. */
async function ordersWithAttempts(db: Db, orderIds: readonly string[]): Promise<{ order: Order; attempts: PaymentAttempt[] }[]> {
  const found: { order: Order; attempts: PaymentAttempt[] }[] = [];
  for (let start = 0; start < orderIds.length; start += READ_CHUNK) {
    const chunk = orderIds.slice(start, start + READ_CHUNK);
    const orders = await db.selectFrom("orders").selectAll().where("id", "in", chunk).execute();
    if (orders.length === 0) continue;
    const attempts = await db
      .selectFrom("payment_attempts")
      .selectAll()
      .where("order_id", "in", orders.map((order) => order.id))
      .orderBy("attempt_number")
      .execute();
    for (const order of orders) found.push({ order, attempts: attempts.filter((attempt) => attempt.order_id === order.id) });
  }
  return found;
}

function deliver(hub: Hub, orderId: string, watch: Watch, view: OrderStatusView) {
  watch.paymentSettled = paymentSettled(view);
  const json = JSON.stringify(view);
  for (const [watcher, sent] of watch.watchers) {
    if (sent === json) continue;
    watch.watchers.set(watcher, json);
    watcher(view);
  }
  if (viewSettled(view) && hub.watches.get(orderId) === watch) hub.watches.delete(orderId);
}

/**
 * Starts watching an order whose current view the caller has just read (and sent). Returns the
 * way to stop. One watch per order, however many tabs.
 */
export function watchOrder(deps: SyncDeps, orderId: string, current: OrderStatusView, watcher: Watcher, syncEveryMs = WATCHED_SYNC_MS): () => void {
  const hub = hubOf(deps);
  let watch = hub.watches.get(orderId);
  if (!watch) {
    watch = { watchers: new Map(), syncEveryMs, nextSyncAt: Date.now() + syncEveryMs, paymentSettled: paymentSettled(current) };
    hub.watches.set(orderId, watch);
    scheduleSyncs(hub);
  } else {
    // A change may have landed between this watcher's read and now: read again, for it too.
    readSoon(hub, [orderId]);
  }
  watch.watchers.set(watcher, JSON.stringify(current));
  const own = watch;
  return () => {
    own.watchers.delete(watcher);
    if (own.watchers.size === 0 && hub.watches.get(orderId) === own) hub.watches.delete(orderId);
  };
}

function hubOf(deps: SyncDeps): Hub {
  let hub = hubs.get(deps.db);
  if (!hub) {
    const created: Hub = { db: deps.db, deps, watches: new Map(), news: new Set(), reading: false, syncTimer: null, syncTimerAt: Infinity, syncing: false, listener: { stop: async () => {} } };
    hubs.set(deps.db, created);
    created.listener = isPostgres(deps.db) ? listenPostgres(created) : watchSqliteCommits(created);
    hub = created;
  }
  return hub;
}

// ---------------------------------------------------------------------------------------------
// The watched orders' own syncs with PayRam: one timer per database, whatever the number watched.

/** Sets the sync timer for the earliest watched order due (none while a round runs: it sets it at its end). */
function scheduleSyncs(hub: Hub) {
  if (hub.syncing) return;
  let dueAt = Infinity;
  for (const watch of hub.watches.values()) if (!watch.paymentSettled) dueAt = Math.min(dueAt, watch.nextSyncAt);
  if (dueAt === hub.syncTimerAt) return;
  if (hub.syncTimer) clearTimeout(hub.syncTimer);
  hub.syncTimer = null;
  hub.syncTimerAt = dueAt;
  if (dueAt === Infinity) return;
  hub.syncTimer = setTimeout(() => void syncDue(hub), Math.max(0, dueAt - Date.now()));
  hub.syncTimer.unref();
}

/**
 * Syncs every watched order that is due, a few at a time, through the claim the poll uses (an
 * order asked about within the interval, by a poll, a webhook or another instance, is skipped).
 * A sync that changes what the page shows publishes it (orderChanged): nothing is read twice.
 */
async function syncDue(hub: Hub) {
  hub.syncing = true;
  hub.syncTimer = null;
  hub.syncTimerAt = Infinity;
  try {
    const now = Date.now();
    const due: string[] = [];
    for (const [orderId, watch] of hub.watches) {
      if (watch.paymentSettled || watch.nextSyncAt > now) continue;
      due.push(orderId);
      watch.nextSyncAt = now + watch.syncEveryMs;
    }
    const found = await ordersWithAttempts(hub.db, due);
    await forEachLimited(found, WATCH_SYNC_CONCURRENCY, async ({ order, attempts }) => {
      const watch = hub.watches.get(order.id);
      if (!watch) return;
      try {
        const sync = await syncWhenDue(hub.deps, order, attempts, watch.syncEveryMs);
        if (typeof sync === "object" && sync !== null) await sync.running;
      } catch (error) {
        log.warn({ event: "live", err: errorMessage(error) }, "a watched order could not be synced");
      }
    });
  } catch (error) {
    log.warn({ event: "live", err: errorMessage(error) }, "watched orders could not be synced");
  } finally {
    hub.syncing = false;
    scheduleSyncs(hub);
  }
}

// ---------------------------------------------------------------------------------------------
// Hearing other writers: Postgres LISTEN, SQLite data_version.

interface Listener {
  stop(): Promise<void>;
}

/** Ends every listener and watch sync (at shutdown, with the database). */
export async function stopListening(): Promise<void> {
  const all = [...hubs.values()];
  hubs.clear();
  for (const hub of all) if (hub.syncTimer) clearTimeout(hub.syncTimer);
  await Promise.all(all.map((hub) => hub.listener.stop()));
}

function listenPostgres(hub: Hub): Listener {
  const connection = postgresConnectionOf(hub.db);
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
        if (message.payload && !message.payload.startsWith("ping:") && hub.watches.has(message.payload)) readSoon(hub, [message.payload]);
      });
      await current.query(`listen ${pg.escapeIdentifier(channel)}`);
      failures = 0;
      // Whatever changed while no one listened.
      readSoon(hub, hub.watches.keys());
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
function watchSqliteCommits(hub: Hub): Listener {
  let last: number | null = null;
  const timer = setInterval(() => {
    if (hub.watches.size === 0) return;
    sql<{ data_version: number }>`pragma data_version`
      .execute(hub.db)
      .then(({ rows }) => {
        const version = Number(rows[0]?.data_version);
        // The first reading has nothing to compare with: whatever came before it is read anyway.
        if (version !== last) readSoon(hub, hub.watches.keys());
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
