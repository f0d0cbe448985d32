import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SQLite from "better-sqlite3";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  Migrator,
  PostgresDialect,
  type PostgresDialectConfig,
  PostgresDriver,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type SqliteDatabase,
  sql,
  type TransactionSettings,
} from "kysely";
import pg from "pg";
import type { DatabaseConfig } from "../config";
import { processWide } from "../process-wide";
import { startSpan } from "../tracing";
import { isPostgres, migrations, POSTGRES_MARK } from "./migrations";
import type { Database } from "./schema";

export type Db = Kysely<Database>;
export { isPostgres };

/**
 * pg hands back int8/numeric (COUNT, SUM, bigint money) as strings and timestamptz as Date;
 * better-sqlite3 hands back numbers and the ISO text we stored. Convert pg's values here, once,
 * so both dialects return the same JavaScript values (see schema.ts).
 */
const PG_INT8 = 20;
const PG_NUMERIC = 1700;
const PG_TIMESTAMP = 1114;
const PG_TIMESTAMPTZ = 1184;

function pgWholeNumber(text: string): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value)) {
    throw new Error(`database returned ${text}, which is not a whole number this app can hold exactly`);
  }
  return value;
}

function pgTime(text: string): string {
  // Postgres prints "2026-11-26 03:51:54.123+00"; a timestamp without zone is taken as UTC.
  const iso = text.replace(" ", "T");
  const withZone = /([+-]\d\d(:?\d\d)?|Z)$/.test(iso) ? iso : `${iso}Z`;
  return new Date(withZone.replace(/([+-]\d\d)$/, "$1:00")).toISOString();
}

const pgTypes = {
  getTypeParser(oid: number, format?: string) {
    if (format !== "binary") {
      if (oid === PG_INT8 || oid === PG_NUMERIC) return pgWholeNumber;
      if (oid === PG_TIMESTAMP || oid === PG_TIMESTAMPTZ) return pgTime;
    }
    return pg.types.getTypeParser(oid, format as "text");
  },
} as pg.CustomTypesConfig;

/**
 * SQLite, with every transaction taking the write lock at BEGIN (IMMEDIATE): a transaction that
 * reads then writes can then never fail to upgrade its lock under another writer, and the
 * migrator (which runs in one transaction here, since SQLite's DDL is transactional) is
 * serialised across processes sharing the file.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

/**
 * A driver whose every transaction is a span, from BEGIN to COMMIT or ROLLBACK, child of the span
 * active at BEGIN (a sync, a checkout, a webhook), when tracing is on (lib/tracing.ts).
 */
// A mixin's constructor must take `any[]` (TypeScript's rule for mixin classes).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function withTransactionSpans<T extends new (...args: any[]) => Driver>(Base: T, system: "sqlite" | "postgresql") {
  return class extends Base {
    readonly spans = new WeakMap<DatabaseConnection, ReturnType<typeof startSpan>>();

    override async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
      this.spans.set(connection, startSpan("db transaction", { "db.system": system }));
      await super.beginTransaction(connection, settings);
    }

    override async commitTransaction(connection: DatabaseConnection): Promise<void> {
      try {
        await super.commitTransaction(connection);
      } finally {
        this.endSpan(connection, "commit");
      }
    }

    override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
      try {
        await super.rollbackTransaction(connection);
      } finally {
        this.endSpan(connection, "rollback");
      }
    }

    endSpan(connection: DatabaseConnection, outcome: "commit" | "rollback") {
      const span = this.spans.get(connection);
      this.spans.delete(connection);
      span?.setAttribute("db.transaction.outcome", outcome);
      span?.end();
    }
  };
}

const TracedSqliteDriver = withTransactionSpans(ImmediateSqliteDriver, "sqlite");
const TracedPostgresDriver = withTransactionSpans(PostgresDriver, "postgresql");

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/**
 * Kysely's SQLite driver prepares every query again (parse and plan: a tenth of a webhook's CPU
 * in the benchmark's profile); the shop's few query shapes are kept prepared instead. Safe here:
 * better-sqlite3 runs a statement to completion before anything else runs, the shop never
 * streams a query (the one way a statement stays busy), and SQLite re-prepares a statement
 * by itself after a schema change.
 */
function withStatementCache(database: SQLite.Database, capacity = 500): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(text) {
      let statement = statements.get(text);
      // A statement still being iterated cannot run again: such a query gets its own.
      if (statement?.busy) return database.prepare(text);
      if (statement) {
        statements.delete(text); // re-inserted below: a Map keeps insertion order, so the oldest is first
      } else {
        statement = database.prepare(text);
        if (statements.size >= capacity) statements.delete(statements.keys().next().value!);
      }
      statements.set(text, statement);
      return statement;
    },
  };
}

/** Marks its adapter, so that isPostgres holds whichever bundled copy of Kysely asks. */
class ShopPostgresDialect extends PostgresDialect {
  constructor(private readonly settings: PostgresDialectConfig) {
    super(settings);
  }
  override createDriver(): Driver {
    return new TracedPostgresDriver(this.settings);
  }
  override createAdapter() {
    return Object.assign(super.createAdapter(), { [POSTGRES_MARK]: true });
  }
}

class ShopSqliteDialect extends SqliteDialect {
  constructor(private readonly database: SQLite.Database) {
    super({ database });
  }
  override createDriver(): Driver {
    return new TracedSqliteDriver({ database: withStatementCache(this.database) });
  }
  override createAdapter() {
    return new TransactionalDdlSqliteAdapter();
  }
}

/**
 * How a Postgres handle connects, for the few things a pool cannot do (LISTEN needs a connection
 * of its own: lib/live). Kept beside the handle, process-wide (Next bundles this module several times).
 */
const postgresConnections = processWide("postgres-connections", () => new WeakMap<Db, { url: string; schema: string | null }>());

export function postgresConnectionOf(db: Db): { url: string; schema: string | null } | null {
  return postgresConnections.get(db) ?? null;
}

export interface CreateDbOptions {
  /** Postgres only: put every table in this schema (tests use a fresh one per run). */
  schema?: string;
  /** Postgres only: connections in the pool. */
  poolSize?: number;
}

export function createDb(config: DatabaseConfig, options: CreateDbOptions = {}): Db {
  if (config.kind === "postgres") {
    const pool = new pg.Pool({
      connectionString: config.url,
      types: pgTypes,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    // An idle client losing its connection must not crash the server; the next query reconnects.
    pool.on("error", () => {});
    const db = new Kysely<Database>({ dialect: new ShopPostgresDialect({ pool }) });
    postgresConnections.set(db, { url: config.url, schema: options.schema ?? null });
    return db;
  }
  if (config.path !== ":memory:") mkdirSync(dirname(config.path), { recursive: true });
  const database = new SQLite(config.path, { timeout: 5_000 });
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = NORMAL");
  database.pragma("foreign_keys = ON");
  database.pragma("busy_timeout = 5000");
  return new Kysely<Database>({ dialect: new ShopSqliteDialect(database) });
}

/**
 * Brings the schema up to date (or, for upgrade tests, up to the named migration). Safe when
 * several instances start at once (Kysely takes a lock). On Postgres the whole run also holds an
 * advisory lock for the database: Kysely's migrator reads the catalog of every schema in it, and
 * fails when another schema's migration (another shop, another test file) changes or drops a
 * table under that read ("column … does not exist", "schema … does not exist").
 */
export async function migrate(db: Db, upTo?: string): Promise<string[]> {
  if (!isPostgres(db)) return runMigrator(db, undefined, upTo);
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      // Kysely's "does the migration table exist" looks in every schema unless told which one.
      const schema = (await sql<{ schema: string }>`select current_schema() as schema`.execute(conn)).rows[0]?.schema;
      return await runMigrator(conn, schema, upTo);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
}

/** The advisory lock every migration run on a Postgres database takes (any fixed number: ours). */
export const MIGRATION_LOCK_KEY = 7_311_402_651;

async function runMigrator(db: Db, schema: string | undefined, upTo?: string): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await (upTo ? migrator.migrateTo(upTo) : migrator.migrateToLatest());
  if (error) throw error;
  return (results ?? []).filter((result) => result.status === "Success").map((result) => result.migrationName);
}

/** True when the database answers a trivial query. */
export async function databaseIsReachable(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}

/**
 * Migrations this code knows that the database has not run (empty: the schema is at the head).
 * Throws when the database cannot be asked.
 */
export async function pendingMigrations(db: Db): Promise<string[]> {
  // Kysely's table, where migrate() keeps it: in the connection's current schema.
  const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  const applied = new Set(rows.map((row) => row.name));
  return Object.keys(migrations).filter((name) => !applied.has(name));
}

/** A database failure at start-up, phrased for the merchant, with any password hidden. */
export function describeDatabaseError(config: DatabaseConfig, error: unknown): string {
  const code = typeof error === "object" && error && "code" in error ? String(error.code) : "";
  const message = error instanceof Error ? error.message : String(error);
  if (config.kind === "postgres") {
    const url = new URL(config.url);
    const where = `${url.hostname}:${url.port || "5432"}${url.pathname}`;
    const why =
      code === "ECONNREFUSED"
        ? "connection refused — is Postgres running there?"
        : code === "ENOTFOUND"
          ? "host not found"
          : code === "28P01" || code === "28000"
            ? "authentication failed"
            : code === "3D000"
              ? "database does not exist"
              : message.replaceAll(config.url, "<DATABASE_URL>");
    return `DATABASE_URL: cannot use the Postgres database at ${where}: ${why}`;
  }
  return `DATABASE_URL: cannot open the SQLite file ${config.path}: ${message}`;
}

/** True for a unique-constraint violation, on either dialect: the database said "someone got there first". */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = "code" in error ? String(error.code) : "";
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}
