/**
 * `npm run bench`: the shop's benchmarks, each figure next to its reference in the same run,
 * on SQLite and on Postgres. `npm run bench -- --help` lists the options; bench/RESULTS.md
 * holds the latest full run.
 */
import "./quiet-logs";
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "@playwright/test";
import { mark, unwind, unwindAll } from "../scripts/chaos/cleanup";
import { postgresAnswers } from "../scripts/chaos/database";
import { killAllChildrenNow } from "../scripts/chaos/processes";
import { parseBenchArgs, planFor, SECTIONS, USAGE, UsageError, type BenchOptions, type DatabaseKind, type Section } from "./args";
import { launchBrowser } from "./browser";
import { currentCommit, describeMachine } from "./machine";
import { staleBuildWarning } from "./build-freshness";
import { formatProfile, mainThreadProfile, summarizeProfile } from "./profile";
import { formatRun, RESULTS_DIR, updateResultsMarkdown, writeJson, type BenchRun, type DatabaseResults } from "./report";
import { benchCheckoutOverhead } from "./sections/checkout-overhead";
import { benchConfirmationStorm } from "./sections/confirmation-storm";
import { benchLiveStreams } from "./sections/live-streams";
import { benchPageWeight } from "./sections/page-weight";
import { benchStatusPolling } from "./sections/status-polling";
import { benchTimeToPaid } from "./sections/time-to-paid";
import { benchWebhookIngest } from "./sections/webhook-ingest";
import { startStack, type Stack } from "./stack";

/** Past this, everything is stopped: a stuck run must not leave servers behind. */
const DEADLINE_MS = 30 * 60_000;

let stopping: { code: number; done: Promise<void> } | null = null;

/** However the run ends: stop what it started, then exit with the first caller's code. */
async function finish(code: number): Promise<never> {
  stopping ??= { code, done: unwindAll() };
  await stopping.done;
  await unwindAll();
  killAllChildrenNow();
  process.exit(stopping.code);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (!stopping) console.error(`\n${signal}: stopping the benchmark…`);
    void finish(130);
  });
}
process.on("exit", () => {
  killAllChildrenNow();
});

function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Runs one section; when another `next build` replaced the server's build meanwhile, restarts it and tries once more. */
async function section<T>(stack: Stack, name: string, errors: string[], work: () => Promise<T>): Promise<T | undefined> {
  if (stopping) return undefined; // Ctrl+C: the cleanup is under way, start nothing more
  console.log(`[${stack.kind}] ${name}…`);
  const started = performance.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await work();
      console.log(`[${stack.kind}] ${name} done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
      return result;
    } catch (error) {
      if (stopping) return undefined; // failed because everything is being stopped
      if (attempt === 1 && (await stack.restartAppIfRebuilt())) continue;
      errors.push(`${stack.kind} ${name}: ${error instanceof Error ? error.message : String(error)}`);
      console.error(`[${stack.kind}] ${name} FAILED: ${describeError(error)}\n--- last lines of the server ---\n${stack.app.output().slice(-20).join("\n")}`);
      return undefined;
    }
  }
}

async function benchDatabase(kind: DatabaseKind, options: BenchOptions, run: BenchRun, withPageWeight: boolean): Promise<DatabaseResults> {
  const plan = planFor(options.quick);
  const wants = (name: Section) => options.sections.includes(name);
  const profileDir = options.profile ? join(RESULTS_DIR, "profiles", `${run.startedAt.slice(0, 10)}-${run.commit}-${kind}`) : undefined;
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  const undoTo = mark();
  const results: DatabaseResults = { database: kind, label: kind };
  try {
    const stack = await startStack(kind, { postgresUrl: options.postgresUrl, verbose: options.verbose, cpuProfileDir: profileDir });
    results.label = stack.database.label;
    console.log(`\n[${kind}] ${stack.database.label}; standalone server ${stack.app.url}, bare webhook server ${stack.bare.url}, emulator ${stack.emulator.url}`);
    let browser: Browser | undefined;
    const getBrowser = async () => (browser ??= await launchBrowser());

    if (wants("checkout")) results.checkout = await section(stack, "checkout overhead", run.errors, () => benchCheckoutOverhead(stack, plan.checkout));
    if (wants("webhook")) results.webhook = await section(stack, "webhook ingest", run.errors, () => benchWebhookIngest(stack, plan.webhook));
    if (wants("polling")) results.polling = await section(stack, "status polling", run.errors, () => benchStatusPolling(stack, plan.polling));
    if (wants("paid")) results.paid = await section(stack, "time to paid", run.errors, async () => benchTimeToPaid(stack, await getBrowser(), plan.paid.runs));
    if (wants("streams")) results.streams = await section(stack, "live status streams", run.errors, () => benchLiveStreams(stack, plan.streams));
    // Last of the database's sections: its deposits stay confirming at the emulator afterwards.
    if (wants("storm")) results.storm = await section(stack, "confirmation storm", run.errors, () => benchConfirmationStorm(stack, plan.storm));
    if (withPageWeight) {
      run.weight = await section(stack, "page weight", run.errors, async () => benchPageWeight(stack, await getBrowser(), { verbose: options.verbose }));
    }
  } catch (error) {
    run.errors.push(`${kind}: ${error instanceof Error ? error.message : String(error)}`);
    console.error(`[${kind}] stopped: ${describeError(error)}`);
  } finally {
    await unwind(undoTo);
  }
  // The servers have exited now, so their profiles are written.
  if (profileDir) {
    results.profiles = {};
    for (const [server, label] of [["next", "the standalone server"], ["bare", "the bare webhook server"]] as const) {
      const file = mainThreadProfile(join(profileDir, server));
      if (!file) continue;
      results.profiles[server] = summarizeProfile(file);
      console.log(`\n${formatProfile(`${label} on ${kind}`, results.profiles[server])}`);
    }
  }
  return results;
}

/** What a run of some sections or one database covers ("storm", "storm-sqlite"), or undefined for a full run. */
function partialRun(options: BenchOptions): string | undefined {
  const sections = SECTIONS.every((name) => options.sections.includes(name)) ? [] : SECTIONS.filter((name) => options.sections.includes(name));
  const databases = options.databases.length === 2 ? [] : options.databases;
  return [...sections, ...databases].join("-") || undefined;
}

async function main() {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`bench: ${error.message}\n\n${USAGE}`);
    return finish(2);
  }
  if (options.help) {
    console.log(USAGE);
    return finish(0);
  }
  const deadline = setTimeout(() => {
    console.error(`\nbench: still running after ${DEADLINE_MS / 60_000} minutes: stopping everything.`);
    void finish(1);
  }, DEADLINE_MS);

  const started = performance.now();
  const run: BenchRun = {
    startedAt: new Date().toISOString(),
    commit: currentCommit(),
    quick: options.quick,
    partial: partialRun(options),
    wallSeconds: 0,
    machine: describeMachine(),
    plan: planFor(options.quick),
    databases: [],
    errors: [],
    warnings: [],
  };
  const stale = staleBuildWarning();
  if (stale) {
    console.warn(`\n*** WARNING: ${stale}. ***\n`);
    run.warnings.push(stale);
  }
  let pageWeightPending = options.sections.includes("weight");
  for (const kind of options.databases) {
    if (kind === "postgres") {
      const why = await postgresAnswers(options.postgresUrl);
      if (why) {
        const where = new URL(options.postgresUrl);
        const message = `Postgres at ${where.hostname}:${where.port || "5432"} did not answer (${why})`;
        if (options.postgresRequired) run.errors.push(`${message}; set BENCH_DATABASE_URL or TEST_DATABASE_URL, or run --db sqlite`);
        else console.warn(`\n*** SKIPPING the Postgres benchmarks: ${message}. Set BENCH_DATABASE_URL (or REQUIRE_POSTGRES=1 to fail instead). ***\n`);
        run.databases.push({ database: kind, label: kind, skipped: message });
        continue;
      }
    }
    // Page weight does not depend on the database: measured once, with the first one.
    run.databases.push(await benchDatabase(kind, options, run, pageWeightPending));
    pageWeightPending = false;
    if (stopping) return finish(stopping.code);
  }
  clearTimeout(deadline);
  run.wallSeconds = (performance.now() - started) / 1000;

  console.log(`\n${formatRun(run)}\n`);
  if (options.save) {
    const file = writeJson(run);
    console.log(`Figures written to ${file}`);
    if (!options.quick && !run.partial) {
      updateResultsMarkdown(run, file);
      console.log("bench/RESULTS.md updated.");
    } else if (run.partial) {
      console.log(`bench/RESULTS.md left alone: a run of ${run.partial} only, not of every section on both databases.`);
    }
  }
  return finish(run.errors.length > 0 ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(`bench: ${describeError(error)}`);
  void finish(1);
});
