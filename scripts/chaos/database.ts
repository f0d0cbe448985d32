import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { DatabaseConfig } from "../../lib/config";

/** The run's own database: a fresh Postgres database, or a SQLite file in a temporary folder. */
export interface ChaosDatabase {
  /** DATABASE_URL for the app instances (and the run's own handle). */
  url: string;
  /** The same, for the run's own handle (createDb). */
  config: DatabaseConfig;
  /** Where, for people (no password). */
  label: string;
  drop(): Promise<void>;
}

/** True when the Postgres server at `adminUrl` answers. */
export async function postgresAnswers(adminUrl: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query("select 1");
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

/** CREATE DATABASE chaos_<random> on the server at `adminUrl`; dropped (WITH FORCE) by drop(). */
export async function createPostgresDatabase(adminUrl: string): Promise<ChaosDatabase> {
  const name = `chaos_${randomBytes(6).toString("hex")}`;
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end().catch(() => {});
    }
  };
  // The name is ours (hex), so quoting it is enough.
  await admin((client) => client.query(`create database "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    config: { kind: "postgres", url: url.toString() },
    label: `Postgres database ${name} on ${url.hostname}:${url.port || "5432"}`,
    drop: () =>
      admin(async (client) => {
        try {
          await client.query(`drop database if exists "${name}" with (force)`);
        } catch {
          // Before Postgres 13 there is no WITH (FORCE): end the sessions, then drop.
          await client.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()", [name]);
          await client.query(`drop database if exists "${name}"`);
        }
      }),
  };
}

export function createSqliteDatabase(): ChaosDatabase {
  const dir = mkdtempSync(join(tmpdir(), "shop-chaos-"));
  const path = join(dir, "shop.db");
  return {
    url: `file:${path}`,
    config: { kind: "sqlite", path },
    label: `SQLite file ${path}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}
