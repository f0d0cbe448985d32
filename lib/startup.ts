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
 * The server's background work: the sweep schedule, stopped on SIGTERM. Next.js then stops
 * accepting connections and finishes the requests in flight (each webhook is applied before it
 * is acknowledged). A sweep cut short is harmless: its claims expire and every change is one
 * transaction.
 */
export function startBackgroundWork(config: Config, deps: SyncDeps): void {
  log.info({ event: "start", database: config.database.kind, payram: config.payram.baseUrl, sweepIntervalMs: config.sweepIntervalMs }, "shop started");
  if (config.sweepIntervalMs === 0) return;
  const stop = startSweepSchedule(deps, config.sweepIntervalMs, (error) =>
    log.error({ event: "sweep", err: error instanceof Error ? error.message : String(error) }, "sweep failed"),
  );
  process.once("SIGTERM", () => {
    stop();
    log.info({ event: "stop" }, "shutting down: finishing requests in flight");
  });
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
