import "server-only";
import { loadConfig } from "../config";
import { createDb, type Db } from "./index";

let instance: Db | undefined;

/** The app's one database handle, opened on first use from the validated configuration. */
export function getDb(): Db {
  instance ??= createDb(loadConfig().database);
  return instance;
}
