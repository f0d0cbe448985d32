import "server-only";
import { loadConfig } from "../config";
import { processWide } from "../process-wide";
import { createDb, type Db } from "../db/index";

/**
 * The app's one database handle (one Postgres pool, one set of prepared statements, closed at
 * shutdown), opened on first use from the validated configuration.
 */
export function getDb(): Db {
  return processWide("db", () => createDb(loadConfig().database));
}
