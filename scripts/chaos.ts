/**
 * `npm run chaos`: the chaos suite. Orders go through the real checkout function, the PayRam
 * emulator settles them into every state while it drops, duplicates, reorders and delays
 * webhooks and fails status calls, real production servers (the standalone server, two on one Postgres,
 * one on SQLite) take the webhooks, the sweep runs, and then the shop must agree with PayRam on
 * every order, with exactly one fulfilment per paid order. One product has less stock than its
 * orders want: some checkouts are refused as sold out (expected, counted), and the stock must add
 * up at the end (scripts/chaos/compare.ts checkStock). Exits non-zero on any mismatch.
 * `npm run chaos -- --help` lists the options.
 */
import { parseArgs, USAGE, UsageError, type ChaosOptions } from "./chaos/args";
import { unwindAll } from "./chaos/cleanup";
import { postgresAnswers } from "./chaos/database";
import { buildIfMissing, killAllChildrenNow } from "./chaos/processes";
import { failures, formatReport } from "./chaos/report";
import { runChaos } from "./chaos/run";

process.env.NEXT_TELEMETRY_DISABLED = "1";

let stopping: { code: number; done: Promise<void> } | null = null;

/**
 * However the run ends: stop what it started, then exit. The first caller's code wins; later
 * callers (a second Ctrl+C: npm and tsx both relay it) wait for the same cleanup.
 */
async function finish(code: number): Promise<never> {
  stopping ??= { code, done: unwindAll() };
  await stopping.done;
  await unwindAll(); // anything registered while the first pass ran
  killAllChildrenNow();
  process.exit(stopping.code);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (!stopping) console.error(`\n${signal}: stopping the chaos run…`);
    void finish(130);
  });
}
process.on("exit", killAllChildrenNow);

async function main() {
  const started = Date.now();
  let options: ChaosOptions;
  try {
    options = parseArgs(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`chaos: ${error.message}\n\n${USAGE}`);
    return finish(2);
  }
  if (options.help) {
    console.log(USAGE);
    return finish(0);
  }
  const deadline = setTimeout(() => {
    console.error(`\nchaos: the run passed its ${options.timeoutSeconds} s deadline: stopping everything.`);
    void finish(1);
  }, options.timeoutSeconds * 1000);

  const results: { database: string; ok: boolean; skipped?: boolean }[] = [];
  for (const database of options.databases) {
    if (database === "postgres") {
      const why = await postgresAnswers(options.postgresUrl);
      if (why) {
        const where = new URL(options.postgresUrl);
        const message = `Postgres at ${where.hostname}:${where.port || "5432"} did not answer (${why})`;
        if (options.postgresRequired) {
          console.error(`chaos: ${message}. Set CHAOS_DATABASE_URL or TEST_DATABASE_URL, or run --db sqlite.`);
          results.push({ database, ok: false });
          continue;
        }
        console.warn(`\n*** SKIPPING the Postgres chaos run: ${message}. Set CHAOS_DATABASE_URL (or REQUIRE_POSTGRES=1 to fail instead). ***\n`);
        results.push({ database, ok: true, skipped: true });
        continue;
      }
    }
    // Checked before each run: another `next build` (e.g. a Playwright run) may have replaced it.
    await buildIfMissing(10 * 60_000);
    const outcome = await runChaos({
      database,
      postgresUrl: options.postgresUrl,
      orders: options.orders,
      seed: options.seed,
      instances: options.instances,
      backlog: options.backlog,
      verbose: options.verbose,
      skipSweep: options.skipSweep,
      profile: options.profile,
    });
    if (stopping) return finish(stopping.code); // interrupted: its cleanup is under way
    const ok = outcome.report !== null && outcome.error === null && failures(outcome.report) === 0;
    if (outcome.report) console.log(formatReport(outcome.report));
    if (outcome.error) console.error(`\nchaos on ${database} stopped: ${outcome.error instanceof Error ? (outcome.error.stack ?? outcome.error.message) : String(outcome.error)}`);
    if (!ok && !options.verbose) {
      for (const app of outcome.appOutput) {
        console.error(`\n--- last lines of ${app.name} ---\n${app.lines.slice(-30).join("\n")}`);
      }
    }
    results.push({ database, ok });
  }
  clearTimeout(deadline);

  const passed = results.some((result) => !result.skipped) && results.every((result) => result.ok);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`\nChaos: ${passed ? "PASS" : "FAIL"} (${results.map((result) => `${result.database} ${result.skipped ? "SKIPPED" : result.ok ? "ok" : "FAILED"}`).join(", ")}) in ${seconds} s`);
  return finish(passed ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  void finish(1);
});
