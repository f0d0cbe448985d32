import "server-only";
import { loadConfig } from "../config";
import { createDb, type Db } from "./index";

// Next.js bundles this module once per layer (instrumentation, route handlers, pages and
// actions), each copy with its own module state: the handle lives on globalThis so that they all
// share one (one Postgres pool, one set of prepared statements) and the shutdown closes it.
const HANDLE: unique symbol = Symbol.for("payram-storefront.db");
const shared = globalThis as typeof globalThis & { [HANDLE]?: Db };

/** The app's one database handle, opened on first use from the validated configuration. */
export function getDb(): Db {
  shared[HANDLE] ??= createDb(loadConfig().database);
  return shared[HANDLE];
}
