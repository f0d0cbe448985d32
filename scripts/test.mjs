// `npm test`: every suite, in the order that fails fastest, with one timing line at the end.
// The browser is found (or installed) first, so a machine without one stops within seconds,
// before any build. TEST_TIMING_FILE, when set, also receives the timing line (.ci/run prints
// it with its own phases).
import { spawn } from "node:child_process";
import { appendFileSync, mkdirSync, openSync, readFileSync } from "node:fs";

const bin = (name) => `node_modules/.bin/${name}`;

const BUILD_LOG = "data/test-build.log";

/**
 * Phases run in order; a phase's commands run side by side. The production build that the
 * browser and chaos suites use (the standalone server, made by scripts/build.mjs as the
 * Dockerfile makes it) is made once, beside the unit tests, which mostly wait on timers
 * and sockets; its output goes to a file, printed only if it fails.
 */
const PHASES = [
  { name: "browser", commands: [{ argv: [bin("tsx"), "scripts/browser.ts"] }] },
  { name: "typecheck+lint", commands: [{ argv: ["npm", "run", "--silent", "typecheck"] }, { argv: ["npm", "run", "--silent", "lint"] }] },
  {
    name: "unit+build",
    commands: [{ argv: ["npm", "run", "--silent", "test:unit"] }, { argv: [process.execPath, "scripts/build.mjs"], log: BUILD_LOG, env: { BUILD_TYPES_CHECKED: "1" } }],
  },
  {
    // The browser suite's two parts (playwright.config.ts: E2E_PART) side by side, each with its
    // own server and emulator: the alone specs, half of the suite's time, no longer wait for the
    // rest to end (CI's e2e phase: 560 s one after the other, 375 s side by side).
    name: "e2e",
    commands: [
      { argv: ["npm", "run", "--silent", "test:e2e"], env: { E2E_USE_BUILD: "1", E2E_PART: "shared" } },
      { argv: ["npm", "run", "--silent", "test:e2e"], env: { E2E_USE_BUILD: "1", E2E_PART: "alone", ...nextPorts() } },
    ],
  },
  // Alone: it checks every delivery's answer against the emulator's view, which a machine busy
  // with browsers can time out.
  { name: "chaos", commands: [{ argv: ["npm", "run", "--silent", "test:chaos"] }] },
];

/** The alone part's ports: next to the shared part's (e2e/urls.ts), wherever those were moved. */
function nextPorts() {
  const app = Number(process.env.E2E_APP_PORT ?? 3200);
  const emulator = Number(process.env.E2E_EMULATOR_PORT ?? 4100);
  return { E2E_APP_PORT: String(app + 1), E2E_EMULATOR_PORT: String(emulator + 1) };
}

function run({ argv: [command, ...args], log, env = {} }) {
  const out = log ? openSync(log, "w") : "inherit";
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["inherit", out, out], env: { NEXT_TELEMETRY_DISABLED: "1", ...process.env, ...env } });
    child.on("exit", (code, signal) => {
      const status = code ?? (signal ? 1 : 0);
      if (log) {
        if (status !== 0) process.stderr.write(readFileSync(log, "utf8"));
        console.log(`${command.split("/").at(-1)} ${args.join(" ")}: ${status === 0 ? "done" : `FAILED (exit ${status})`}, its output in ${log}`);
      }
      resolve(status);
    });
  });
}

mkdirSync("data", { recursive: true });

const timings = [];
const started = Date.now();
let failed = null;
for (const phase of PHASES) {
  const phaseStarted = Date.now();
  const codes = await Promise.all(phase.commands.map(run));
  timings.push(`${phase.name} ${Math.round((Date.now() - phaseStarted) / 1000)}s`);
  if (codes.some((code) => code !== 0)) {
    failed = phase.name;
    break;
  }
}
const line = `npm test ${failed ? `FAILED in ${failed}` : "passed"}: ${timings.join(", ")}; total ${Math.round((Date.now() - started) / 1000)}s`;
console.log(`\n${line}`);
if (process.env.TEST_TIMING_FILE) appendFileSync(process.env.TEST_TIMING_FILE, `${line}\n`);
process.exit(failed ? 1 : 0);
