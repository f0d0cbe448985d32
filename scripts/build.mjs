// `npm run build`: the one build of the shop, run by CI (scripts/test.mjs), the end-to-end suite
// when it builds for itself, the benchmarks and chaos runs, and the Dockerfile. It makes the
// shipped server: `next build` with `output: "standalone"` writes .next/standalone (server.js and
// only the files it needs, traced), and Next leaves the static files out on purpose; they are
// copied in here. The result runs anywhere with `node .next/standalone/server.js` (PORT, HOSTNAME).
import { spawn } from "node:child_process";
import { cpSync, existsSync, rmSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..");
const STANDALONE = join(ROOT, ".next", "standalone");

const code = await new Promise((resolve) => {
  const child = spawn(process.execPath, [join(ROOT, "node_modules", "next", "dist", "bin", "next"), "build", ...process.argv.slice(2)], {
    cwd: ROOT,
    stdio: "inherit",
    env: { NEXT_TELEMETRY_DISABLED: "1", ...process.env },
  });
  child.on("exit", (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
});
if (code !== 0) process.exit(code);

// Next's Docker example copies these two beside server.js; so does this script, for every user.
for (const [from, to] of [
  ["public", "public"],
  [join(".next", "static"), join(".next", "static")],
]) {
  rmSync(join(STANDALONE, to), { recursive: true, force: true });
  cpSync(join(ROOT, from), join(STANDALONE, to), { recursive: true });
}

// What the server cannot start without, and file tracing could miss: fail the build, not the
// first request in production. better-sqlite3's native binding is loaded by `bindings` at run time.
const required = [
  "server.js",
  join(".next", "BUILD_ID"),
  join(".next", "static"),
  "public",
  join("node_modules", "better-sqlite3", "build", "Release", "better_sqlite3.node"),
  join("node_modules", "pg", "package.json"),
];
const missing = required.filter((file) => !existsSync(join(STANDALONE, file)));
if (missing.length > 0) {
  console.error(`The standalone server is incomplete: missing ${missing.map((file) => join(".next", "standalone", file)).join(", ")}`);
  process.exit(1);
}
console.log("Standalone server ready: node .next/standalone/server.js (PORT, HOSTNAME)");
