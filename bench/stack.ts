import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startEmulator, type Emulator } from "../emulator/server";
import { seedCatalog } from "../lib/catalog";
import { createDb, migrate, type Db } from "../lib/db";
import type { CheckoutDeps } from "../lib/checkout/checkout";
import { createPayramClient } from "../lib/payram/client";
import { defer } from "../scripts/chaos/cleanup";
import { createPostgresDatabase, createSqliteDatabase, type ChaosDatabase } from "../scripts/chaos/database";
import { buildIfMissing, STANDALONE_BUILD_ID, startApp, type AppEnv, type AppInstance } from "../scripts/chaos/processes";
import type { DatabaseKind } from "./args";
import { startBareWebhookServer, type BareServer } from "./webhook/bare";

/**
 * Everything one database's benchmarks run against: a fresh database, the PayRam emulator in
 * this process (so its request counters can be read), one production server (the standalone server)
 * and the bare webhook server, both on that database. Stopped by the cleanup steps it registers.
 */

export const API_KEY = "bench-emulator-key-0123";
const SESSION_SECRET = "bench-session-secret-0123456789abcdef";
const ADMIN_PASSWORD = "bench-admin-password";
const ADMIN_EMAIL = "bench-owner@shop.localhost";
const PAYRAM_TIMEOUT_MS = 15_000;

export interface Stack {
  kind: DatabaseKind;
  database: ChaosDatabase;
  /** The bench's own handle, for placing orders in-process. */
  db: Db;
  emulator: Emulator;
  app: AppInstance;
  bare: BareServer;
  checkoutDeps: CheckoutDeps;
  /**
   * Another standalone server on the same database and emulator (a second instance, or one with
   * extra settings such as TRUSTED_PROXY_COUNT); the caller stops it (and the run's cleanup does).
   */
  startInstance(name: string, extraEnv?: Record<string, string>): Promise<AppInstance>;
  /** Starts a new server when another build replaced the one this server runs. */
  restartAppIfRebuilt(): Promise<boolean>;
}

function currentBuildId(): string | null {
  return existsSync(STANDALONE_BUILD_ID) ? readFileSync(STANDALONE_BUILD_ID, "utf8").trim() : null;
}

export interface StackOptions {
  postgresUrl: string;
  verbose: boolean;
  /** `node --cpu-prof` for both servers: profiles in <dir>/next and <dir>/bare. */
  cpuProfileDir?: string;
}

export async function startStack(kind: DatabaseKind, options: StackOptions): Promise<Stack> {
  const database = kind === "postgres" ? await createPostgresDatabase(options.postgresUrl) : createSqliteDatabase();
  defer(`drop the ${database.label}`, database.drop);
  const db = createDb(database.config, { poolSize: 8 });
  defer("close the bench's database handle", () => db.destroy());
  await migrate(db);
  await seedCatalog(db);

  // Webhooks start switched off: each section turns them on when it wants them.
  const emulator = await startEmulator({ port: 0, apiKey: API_KEY, webhookUrls: [], log: false, config: { webhooks: { enabled: false } } });
  defer("close the emulator", () => emulator.close());

  const env: AppEnv = { DATABASE_URL: database.url, PAYRAM_BASE_URL: emulator.url, PAYRAM_API_KEY: API_KEY, SESSION_SECRET, ADMIN_EMAIL, ADMIN_PASSWORD };
  const profileDir = (server: string) => (options.cpuProfileDir ? join(options.cpuProfileDir, server) : undefined);
  const nextProfileDir = profileDir("next");
  // startApp passes its env through to next-server; Node 20 refuses --cpu-prof in NODE_OPTIONS, hence the preload.
  const appEnv: AppEnv & { NODE_OPTIONS?: string; BENCH_CPU_PROFILE_DIR?: string } = nextProfileDir
    ? { ...env, NODE_OPTIONS: `--import ${pathToFileURL(join(__dirname, "cpu-profile-preload.mjs")).href}`, BENCH_CPU_PROFILE_DIR: nextProfileDir }
    : env;
  const launchApp = async () => {
    await buildIfMissing(10 * 60_000);
    const buildId = currentBuildId();
    const app = await startApp(`next-${kind}`, appEnv, { verbose: options.verbose, timeoutMs: 60_000 });
    defer(`stop ${app.name}`, () => app.stop());
    return { app, buildId };
  };
  let launched = await launchApp();
  const bare = await startBareWebhookServer(env, { verbose: options.verbose, cpuProfileDir: profileDir("bare") });
  defer("stop the bare webhook server", () => bare.stop());

  const stack: Stack = {
    kind,
    database,
    db,
    emulator,
    app: launched.app,
    bare,
    checkoutDeps: {
      db,
      payram: createPayramClient({ baseUrl: emulator.url, apiKey: API_KEY, timeoutMs: PAYRAM_TIMEOUT_MS }),
      sessionSecret: SESSION_SECRET,
      checkoutOrigins: [new URL(emulator.publicUrl).origin],
      payramTimeoutMs: PAYRAM_TIMEOUT_MS,
      paymentTtlMs: 60 * 60_000,
    },
    startInstance: async (name, extraEnv = {}) => {
      const instance = await startApp(name, { ...appEnv, ...extraEnv } as AppEnv, { verbose: options.verbose, timeoutMs: 60_000 });
      defer(`stop ${name}`, () => instance.stop());
      return instance;
    },
    restartAppIfRebuilt: async () => {
      if (currentBuildId() === launched.buildId) return false;
      console.log(`[${kind}] .next was rebuilt under the running server: restarting the server…`);
      await launched.app.stop();
      launched = await launchApp();
      stack.app = launched.app;
      return true;
    },
  };
  return stack;
}
