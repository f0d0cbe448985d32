import { randomBytes } from "node:crypto";
import pg from "pg";
import { MIGRATION_LOCK_KEY } from "@/lib/db";
import type { TestProject } from "vitest/node";

/**
 * Decides once per run whether the Postgres half of the integration tests runs.
 * TEST_DATABASE_URL names it; REQUIRE_POSTGRES=1 (set by .ci/run) turns "not there" into a failure.
 */
export default async function setup(project: TestProject) {
  const url = process.env.TEST_DATABASE_URL;
  const required = process.env.REQUIRE_POSTGRES === "1";
  let reason: string | null = null;
  if (!url) {
    reason = "TEST_DATABASE_URL is not set";
  } else {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
      await client.query("select 1");
    } catch (error) {
      reason = `Postgres at TEST_DATABASE_URL did not answer: ${error instanceof Error ? error.message : error}`;
    } finally {
      await client.end().catch(() => {});
    }
  }
  if (reason && required) throw new Error(`REQUIRE_POSTGRES=1 but ${reason}.`);
  if (reason) {
    console.warn(`\n*** SKIPPING every Postgres test: ${reason}. Set TEST_DATABASE_URL=postgres://… to run them. ***\n`);
  }
  project.provide("postgresUrl", reason ? null : (url ?? null));
  // Each test file's schema is named after this run, and all of them are dropped when the run
  // ends, not while other files run: Kysely's migrator reads every schema's privileges, and a
  // schema dropped meanwhile by another file fails it ("schema … does not exist").
  const runId = randomBytes(4).toString("hex");
  project.provide("postgresRunId", runId);
  if (reason || !url) return;
  return async () => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      // Not while another run migrates (lib/db migrate takes the same lock).
      await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
      const { rows } = await client.query<{ name: string }>("select nspname as name from pg_namespace where nspname like $1", [`test_${runId}_%`]);
      for (const { name } of rows) await client.query(`drop schema "${name}" cascade`);
    } finally {
      await client.end().catch(() => {});
    }
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string | null;
    /** Names this run's schemas (test_<run>_<file>), dropped together when the run ends. */
    postgresRunId: string;
  }
}
