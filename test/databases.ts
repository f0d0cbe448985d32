import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, inject } from "vitest";
import { createDb, migrate, type Db } from "@/lib/db";

export type Dialect = "sqlite" | "postgres";

export interface TestDatabase {
  dialect: Dialect;
  /** A migrated database of its own: a SQLite file, or a fresh Postgres schema dropped afterwards. */
  db: Db;
  /** Another handle on the same database, as a second app instance would have. */
  open(): Db;
  /** DATABASE_URL for a separate process (a command-line entry, another app instance). */
  url: string;
}

/**
 * Runs the same suite against a real SQLite file and, when the run has one, a real Postgres
 * (see postgres-setup.ts). Nothing is mocked: these are the databases the shop runs on.
 */
export function describeOnEachDatabase(
  title: string,
  body: (get: () => TestDatabase) => void,
  options: { migrated?: boolean } = {},
) {
  const postgresUrl = inject("postgresUrl");
  for (const dialect of ["sqlite", "postgres"] as const) {
    describe.skipIf(dialect === "postgres" && !postgresUrl)(`${title} [${dialect}]`, () => {
      let current: TestDatabase | undefined;
      const handles: Db[] = [];
      let cleanup = async () => {};

      beforeAll(async () => {
        if (dialect === "sqlite") {
          const dir = mkdtempSync(join(tmpdir(), "shop-test-"));
          const config = { kind: "sqlite" as const, path: join(dir, "shop.db") };
          const open = () => {
            const db = createDb(config);
            handles.push(db);
            return db;
          };
          cleanup = async () => rmSync(dir, { recursive: true, force: true });
          current = { dialect, db: open(), open, url: `file:${config.path}` };
        } else {
          // Dropped with the rest of the run's schemas when it ends (test/postgres-setup.ts).
          const schema = `test_${inject("postgresRunId")}_${randomBytes(6).toString("hex")}`;
          const config = { kind: "postgres" as const, url: postgresUrl! };
          const admin = createDb(config);
          await sql`create schema ${sql.id(schema)}`.execute(admin);
          const open = () => {
            const db = createDb(config, { schema, poolSize: 4 });
            handles.push(db);
            return db;
          };
          cleanup = () => admin.destroy();
          const url = new URL(postgresUrl!);
          url.searchParams.set("options", `-c search_path=${schema}`);
          current = { dialect, db: open(), open, url: url.toString() };
        }
        if (options.migrated !== false) await migrate(current.db);
      });

      afterAll(async () => {
        await Promise.all(handles.map((db) => db.destroy()));
        await cleanup();
      });

      body(() => {
        if (!current) throw new Error("test database not ready");
        return current;
      });
    });
  }
}
