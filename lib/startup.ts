import { ConfigError, loadConfig, type Config } from "./config";
import { syncCatalog } from "./catalog";
import { createDb, describeDatabaseError, migrate, type Db } from "./db";
import { log } from "./log";
import { startSweepSchedule } from "./payments/sweep";
import type { SyncDeps } from "./payments/sync";

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
  await syncCatalog(db);
  return { config, db };
}

function exitWith(problems: string[]): never {
  for (const problem of problems) console.error(`Cannot start: ${problem}`);
  process.exit(1);
}

/**
 * The server's background work: the sweep schedule, and a graceful stop. On SIGTERM (or
 * SIGINT) Next.js stops accepting connections, finishes the requests in flight (each webhook is
 * applied before it is acknowledged) and then calls process.exit. The exit is held until the
 * sweep batch in progress has finished and the database is closed.
 */
export function startBackgroundWork(config: Config, deps: SyncDeps): void {
  log.info({ event: "start", database: config.database.kind, payram: config.payram.baseUrl, sweepIntervalMs: config.sweepIntervalMs }, "shop started");
  const sweep =
    config.sweepIntervalMs === 0
      ? null
      : startSweepSchedule(deps, config.sweepIntervalMs, (error) =>
          log.error({ event: "sweep", err: error instanceof Error ? error.message : String(error) }, "sweep failed"),
        );
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ event: "stop", signal }, "shutting down: finishing requests in flight and the sweep batch in progress");
    const sweepDone = sweep?.stop() ?? Promise.resolve();
    // Requests still in flight need the database: it is closed at the exit, once they are done.
    const closeDb = () =>
      Promise.race([sweepDone, sweepGrace()])
        .then(() => deps.db.destroy())
        .then(
          () => log.info({ event: "stop" }, "database closed"),
          (error) => log.error({ event: "stop", err: error instanceof Error ? error.message : String(error) }, "database did not close cleanly"),
        );
    holdExit(closeDb);
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

/**
 * A batch stuck on an unresponsive PayRam (50 payments, 4 at a time, each up to
 * PAYRAM_TIMEOUT_MS) must not hold the exit past a usual grace period (Kubernetes: 30 s). What
 * is cut short is harmless: its claims expire and the next sweep asks again.
 */
const SWEEP_GRACE_MS = 20_000;

function sweepGrace(): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(() => {
      log.warn({ event: "stop", ms: SWEEP_GRACE_MS }, "sweep batch still running: stopping without it");
      resolve();
    }, SWEEP_GRACE_MS);
  });
}

/**
 * Next.js ends its shutdown (connections closed, requests finished) with process.exit, which
 * cannot wait for anything: once the server is stopping, that exit runs `before` first, its
 * exit code kept.
 */
function holdExit(before: () => Promise<void>): void {
  const exit = process.exit.bind(process);
  let exiting: Promise<void> | null = null;
  process.exit = ((code?: number | string | null) => {
    exiting ??= before();
    void exiting.then(() => exit(code));
  }) as typeof process.exit;
}

/** Lines a merchant should see at start when a development default is in use. */
export function devDefaultNotices(config: Config): string[] {
  const notices: string[] = [];
  if (config.usesDevDefaults.payramApiKey) {
    notices.push(`Using the emulator's development API key with PayRam at ${config.payram.baseUrl}.`);
  }
  if (config.usesDevDefaults.adminPassword) {
    notices.push(`Merchant area: development password "${config.adminPassword}" (set ADMIN_PASSWORD to change it).`);
  }
  return notices;
}
