import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../scripts/chaos/processes";

/**
 * Whether `.next` was built after the last change to what it is built from. The bench reuses an
 * existing build (as the chaos suite does), so a stale one would measure yesterday's code: the
 * run says so loudly, and the JSON records it.
 */
const SOURCES = ["app", "components", "lib", "public", "proxy.ts", "instrumentation.ts", "next.config.mjs", "package-lock.json"];

function newestChange(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestChange(join(path, name))), stat.mtimeMs);
}

/** Null when the build is current (or missing: it is about to be made); else what changed after it. */
export function staleBuildWarning(): string | null {
  const buildId = join(ROOT, ".next", "BUILD_ID");
  if (!existsSync(buildId)) return null;
  const builtAt = statSync(buildId).mtimeMs;
  const changed = SOURCES.filter((source) => newestChange(join(ROOT, source)) > builtAt);
  if (changed.length === 0) return null;
  return `the build in .next (${new Date(builtAt).toISOString()}) is older than changes in ${changed.join(", ")}: run npm run build first to measure the current code`;
}
