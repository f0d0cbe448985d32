import http from "node:http";
import { ConfigError, loadConfig, type Config } from "../config";
import { seedCatalog } from "../catalog";
import { createDb, describeDatabaseError, migrate, type Db } from "../db";
import { stopListening } from "../live/hub";
import { closeAllStreams } from "../live/stream";
import { errorMessage, log } from "../log";
import { MAIL_INTERVAL_MS, mailSettingsOf, startMailSchedule } from "./mail-sender";
import { startSweepSchedule } from "./sweep";
import { drainLeftMs, markStopping } from "./stopping";
import type { SyncDeps } from "../payments/sync";
import { runRetention } from "./retention";
import { describeClientIdentity } from "../security/rate-limit";
import { ensureFirstOwner } from "../auth/people";

/**
 * What the server and every command-line entry do first: validate the configuration and
 * bring the database up to date. A problem ends the process with one readable line per cause
 * (no stack trace, no secret).
 */
export async function prepare(
  openDb: (config: Config) => Db = (config) => createDb(config.database),
): Promise<{ config: Config; db: Db }> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) exitWith(error.problems);
    throw error;
  }
  const db = openDb(config);
  try {
    await migrate(db);
  } catch (error) {
    exitWith([describeDatabaseError(config.database, error)]);
  }
  // The demo catalog, into a new database only: a restart never undoes a merchant's edit.
  await seedCatalog(db);
  return { config, db };
}

/**
 * The server's first owner (issue 30): on a database with no person, ADMIN_EMAIL + ADMIN_PASSWORD
 * create them (an install that used the shared password upgrades to that). ADMIN_PASSWORD without
 * ADMIN_EMAIL there stops the start with one line naming the variable.
 */
export async function createFirstOwner(config: Config, db: Db): Promise<void> {
  const outcome = await ensureFirstOwner(db, { email: config.adminEmail, password: config.adminPassword });
  if ("error" in outcome) exitWith([outcome.error]);
  if ("created" in outcome) log.info({ event: "start", owner: outcome.created.email }, "first owner created from ADMIN_EMAIL and ADMIN_PASSWORD");
  if ("none" in outcome) log.warn({ event: "start" }, "no merchant account yet: create the first owner with npm run admin -- create-owner --email <email>");
}

function exitWith(problems: string[]): never {
  for (const problem of problems) console.error(`Cannot start: ${problem}`);
  process.exit(1);
}

/**
 * The server's background work: the sweep and retention schedules, and a graceful stop. On
 * SIGTERM (or SIGINT) Next.js stops accepting connections, finishes the requests in flight (each
 * webhook is applied before it is acknowledged) and then calls process.exit. That exit is held
 * until the sweep batch (and retention run) in progress has finished and the database is closed.
 */
export function startBackgroundWork(config: Config, given: SyncDeps): void {
  // The sweep adopts top-ups only for this shop's customers (PAYRAM_CUSTOMER_PREFIX).
  const deps: SyncDeps = { ...given, customerPrefix: config.payram.customerPrefix };
  log.info({ event: "start", database: config.database.kind, payram: config.payram.baseUrl, sweepIntervalMs: config.sweepIntervalMs }, "shop started");
  log.info({ event: "start", trustedProxyCount: config.trustedProxyCount }, describeClientIdentity(config.trustedProxyCount));
  const sweep =
    config.sweepIntervalMs === 0
      ? null
      : startSweepSchedule(deps, { intervalMs: config.sweepIntervalMs, payramTimeoutMs: config.payram.timeoutMs }, (error) => log.error({ event: "sweep", err: errorMessage(error) }, "sweep failed"));
  const retention = config.retention.intervalMs === 0 ? null : startRetentionSchedule(deps.db, config);
  const mail = config.mail.smtpUrl === null ? null : startMailSchedule(deps.db, mailSettingsOf(config), config.mail.smtpUrl, MAIL_INTERVAL_MS);
  if (!mail) log.warn({ event: "mail" }, "mail is off: SMTP_URL is not set, so no mail is sent; the outbox keeps what would have been (the merchant area shows it)");
  // A merchant who handles signals (NEXT_MANUAL_SIG_HANDLE) decides when the process ends;
  // readiness still turns 503 at the signal.
  if (process.env.NEXT_MANUAL_SIG_HANDLE) {
    for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => markStopping(0));
    return;
  }
  closeConnectionsOnceIdleAfterClose();
  const exit = process.exit.bind(process);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // A second signal (Ctrl+C twice): stop now.
    if (++signals > 1) exit(signal === "SIGINT" ? 130 : 143);
    // Readiness answers 503 from now on; the server keeps accepting for SHUTDOWN_DRAIN_MS (its
    // close is held: closeConnectionsOnceIdleAfterClose), so the load balancer moves away first.
    markStopping(config.shutdownDrainMs);
    log.info({ event: "stop", signal, drainMs: config.shutdownDrainMs }, "shutting down: finishing requests in flight and the sweep batch in progress");
    // Open status streams first: Next closes the server, not its open connections, and would wait
    // on them; each page reconnects (to another instance) or polls.
    const streams = closeAllStreams();
    if (streams > 0) log.info({ event: "stop", streams }, "status streams ended");
    const sweepDone = Promise.all([sweep?.stop(), retention?.stop(), mail?.stop()]);
    // Everything must be over within a usual grace period (Kubernetes: 30 s): whatever is cut
    // short is harmless, since PayRam retries unanswered webhooks and sweep claims expire.
    setTimeout(() => {
      log.warn({ event: "stop", ms: STOP_DEADLINE_MS }, "still busy: stopping now");
      exit(signal === "SIGINT" ? 130 : 143);
    }, STOP_DEADLINE_MS).unref();
    // The database is closed at the exit: requests still in flight need it until then.
    let closing: Promise<void> | null = null;
    process.exit = ((code?: number | string | null) => {
      closing ??= sweepDone
        .then(() => stopListening())
        .then(() => deps.db.destroy())
        .then(
          () => log.info({ event: "stop" }, "database closed"),
          (error) => log.error({ event: "stop", err: errorMessage(error) }, "database did not close cleanly"),
        );
      void closing.then(() => exit(code));
    }) as typeof process.exit;
  };
  // First in line: Next's own handler (registered when it started listening, maybe before this)
  // closes the server, and that close must already see the drain.
  process.prependListener("SIGTERM", onSignal);
  process.prependListener("SIGINT", onSignal);
}

const STOP_DEADLINE_MS = 25_000;

/**
 * Node's `server.close()` (which Next calls on SIGTERM) closes the connections idle at that
 * moment only: one busy then — a status stream, a poll in flight — stays open once its response
 * ends, and a browser that keeps reusing it (the stream's reconnect, the page's polls) holds the
 * server, and the stop, until the deadline. After close, each connection is closed as soon as it
 * is idle, so the page reconnects to another instance. While the drain runs (SHUTDOWN_DRAIN_MS
 * after the signal) the close waits: the server still answers, readiness with 503.
 */
function closeConnectionsOnceIdleAfterClose() {
  const close = http.Server.prototype.close;
  if ((close as { shopPatched?: boolean }).shopPatched) return;
  const patched = function (this: http.Server, callback?: (error?: Error) => void) {
    const drain = drainLeftMs();
    if (drain > 0) {
      setTimeout(() => {
        // Streams opened during the drain end too, before the close waits on their connections.
        const streams = closeAllStreams();
        if (streams > 0) log.info({ event: "stop", streams }, "status streams ended");
        patched.call(this, callback);
      }, drain);
      return this;
    }
    const sweep = setInterval(() => this.closeIdleConnections(), IDLE_CLOSE_EVERY_MS);
    sweep.unref();
    this.once("close", () => clearInterval(sweep));
    return close.call(this, callback);
  };
  (patched as { shopPatched?: boolean }).shopPatched = true;
  http.Server.prototype.close = patched as typeof close;
}

const IDLE_CLOSE_EVERY_MS = 50;

/**
 * runRetention on its own interval, one run at a time; the first run comes a minute after start
 * (or sooner with a shorter interval), out of the way of the first requests.
 */
function startRetentionSchedule(db: Db, config: Config): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const run = () => {
    running ??= runRetention(db, config)
      .then((deleted) => log.info({ event: "retention", ...deleted }, "old rows deleted"))
      .catch((error: unknown) => log.error({ event: "retention", err: errorMessage(error) }, "retention failed"))
      .finally(() => {
        running = null;
      });
  };
  const first = setTimeout(run, Math.min(config.retention.intervalMs, 60_000));
  const every = setInterval(run, config.retention.intervalMs);
  first.unref();
  every.unref();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(every);
      await running;
    },
  };
}

/** Lines a merchant should see at start when a development default is in use. */
export function devDefaultNotices(config: Config): string[] {
  const notices: string[] = [];
  if (config.usesDevDefaults.payramApiKey) {
    notices.push(`Using the emulator's development API key with PayRam at ${config.payram.baseUrl}.`);
  }
  if (config.usesDevDefaults.adminPassword) {
    notices.push(`Merchant area: the development owner ${config.adminEmail ?? "(ADMIN_EMAIL)"} with password "${config.adminPassword}", on a new database (set ADMIN_EMAIL and ADMIN_PASSWORD to change it).`);
  }
  return notices;
}
