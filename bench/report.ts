import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchPlan, DatabaseKind } from "./args";
import { describeFailures, type LoadResult } from "./load";
import type { Machine } from "./machine";
import type { Summary } from "./percentiles";
import type { ProfileSummary } from "./profile";
import type { CheckoutMode, CheckoutResult } from "./sections/checkout-overhead";
import type { StormResult } from "./sections/confirmation-storm";
import type { LiveStreamsResult } from "./sections/live-streams";
import type { PageWeight, WeightResult } from "./sections/page-weight";
import type { PaidResult } from "./sections/time-to-paid";
import type { PollingResult } from "./sections/status-polling";
import type { IngestResult } from "./sections/webhook-ingest";

/** The run's figures: the table on stdout, the JSON in bench/results/, and bench/RESULTS.md. */

export interface DatabaseResults {
  database: DatabaseKind;
  label: string;
  /** Why this database did not run, when it did not. */
  skipped?: string;
  webhook?: IngestResult;
  polling?: PollingResult;
  checkout?: CheckoutResult;
  paid?: PaidResult;
  storm?: StormResult;
  streams?: LiveStreamsResult;
  /** With --profile: where each server's CPU time went. */
  profiles?: Partial<Record<"next" | "bare", ProfileSummary>>;
}

export interface BenchRun {
  startedAt: string;
  commit: string;
  quick: boolean;
  /** A run of some sections or one database: what it covered ("storm", "storm-sqlite"); RESULTS.md is left alone. */
  partial?: string;
  wallSeconds: number;
  machine: Machine;
  plan: BenchPlan;
  databases: DatabaseResults[];
  weight?: WeightResult;
  /** Sections that failed, with why. */
  errors: string[];
  /** What makes the figures doubtful (e.g. a build older than the code). */
  warnings: string[];
}

type Row = [figure: string, database: string, shop: string, reference: string, comparison: string];
const HEADER: Row = ["figure", "db", "shop", "reference", "shop vs reference"];

const ms = (value: number) => (value < 10 ? value.toFixed(1) : Math.round(value).toLocaleString("en-US"));
const perSecond = (value: number) => Math.round(value).toLocaleString("en-US");
const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

function loadFigure(result: LoadResult): string {
  const failures = describeFailures(result);
  const cpu = result.serverCpuMsPerRequest === null ? "" : ` · ${result.serverCpuMsPerRequest.toFixed(2)} ms CPU/req`;
  return `${perSecond(result.perSecond)} req/s · p50 ${ms(result.p50Ms)} ms · p99 ${ms(result.p99Ms)} ms${cpu}${failures ? ` · ${failures}` : ""}`;
}

const cpuRatio = (shop: LoadResult, reference: LoadResult) =>
  shop.serverCpuMsPerRequest !== null && reference.serverCpuMsPerRequest !== null
    ? `; ${(shop.serverCpuMsPerRequest / reference.serverCpuMsPerRequest).toFixed(1)}× its CPU per request`
    : "";

function webhookRows(db: string, result: IngestResult): Row[] {
  const concurrencies = [...new Set(result.runs.map((run) => run.connections))];
  return concurrencies.map((connections) => {
    const next = result.runs.find((run) => run.connections === connections && run.target === "next")!;
    const bare = result.runs.find((run) => run.connections === connections && run.target === "bare")!;
    return [
      `1. webhook ingest, ${connections} concurrent`,
      db,
      `standalone server: ${loadFigure(next.load)}`,
      `bare node:http + receiveWebhook: ${loadFigure(bare.load)}`,
      `${(next.load.perSecond / bare.load.perSecond).toFixed(2)}× the ceiling's throughput${cpuRatio(next.load, bare.load)}`,
    ];
  });
}

function pollingRow(db: string, result: PollingResult): Row {
  const calls = result.statusCallsPerOrderPerSecond;
  return [
    `2. status polling, ${result.load.connections.toLocaleString("en-US")} pollers on ${result.orders} orders, ${Math.round(result.load.seconds)} s`,
    db,
    `${loadFigure(result.load)} · ${calls.toFixed(2)} PayRam status calls/order/s (target ≤ 1)`,
    `GET /api/health, same server and concurrency: ${loadFigure(result.health)}`,
    `${(result.load.perSecond / result.health.perSecond).toFixed(2)}× health's throughput${cpuRatio(result.load, result.health)}; PayRam calls ${calls <= 1 ? "within" : "OVER"} target`,
  ];
}

function checkoutRow(db: string, mode: CheckoutMode): Row {
  const label = mode.concurrency === 1 ? "sequential" : `${mode.concurrency} concurrent`;
  return [
    `3. checkout overhead, ${label} (${mode.checkout.count} runs)`,
    db,
    `startCheckout: p50 ${ms(mode.checkout.p50)} ms · p99 ${ms(mode.checkout.p99)} ms`,
    `emulator create (direct POST): p50 ${ms(mode.emulatorCreate.p50)} ms · p99 ${ms(mode.emulatorCreate.p99)} ms`,
    `overhead p50 ${ms(mode.checkout.p50 - mode.emulatorCreate.p50)} ms · p99 ${ms(mode.checkout.p99 - mode.emulatorCreate.p99)} ms`,
  ];
}

function weightRow(page: PageWeight, blank: PageWeight): Row {
  return [
    `4. first-load JS of ${page.page}`,
    "—",
    `${kB(page.gzipBytes)} gzip (${page.files} files, ${kB(page.rawBytes)} raw)`,
    `blank App Router page: ${kB(blank.gzipBytes)} gzip (${blank.files} files)`,
    `+${kB(page.gzipBytes - blank.gzipBytes)} (${(page.gzipBytes / blank.gzipBytes).toFixed(2)}×)`,
  ];
}

function paidRow(db: string, result: PaidResult): Row {
  const summary = (s: Summary) => `p50 ${ms(s.p50)} ms · p95 ${ms(s.p95)} ms`;
  if (result.mode !== "push" || !result.fromCommit || !result.fromWebhookAnswer) {
    return [
      `5. deposit → "Paid" on screen (${result.runs} runs)`,
      db,
      summary(result.onScreen),
      `deposit → webhook answered (paid in the database): ${summary(result.webhookAnswered)}`,
      `+${ms(result.onScreen.p50 - result.webhookAnswered.p50)} ms at p50: the page's next poll (every 2 s)`,
    ];
  }
  const within = result.fromCommit.p50 <= PAID_P50_TARGET_MS && result.fromCommit.p95 <= PAID_P95_TARGET_MS;
  const where = result.pageInstance === result.webhookInstance ? "one instance" : `webhook to ${result.webhookInstance}, page on ${result.pageInstance}`;
  return [
    `5. payment committed → "Paid" in the page, by push (${result.runs} runs; ${where})`,
    db,
    `from the paying transaction's timestamp: ${summary(result.fromCommit)} · from the webhook's answer: ${summary(result.fromWebhookAnswer)} · from the deposit: ${summary(result.onScreen)} · ${result.pollsWhileWaiting ?? 0} polls while waiting, ${result.runsWithoutStream ?? 0} runs without a stream, ${result.runsThrottled ?? 0} with the webhook throttled`,
    `deposit → webhook answered (paid in the database): ${summary(result.webhookAnswered)}; polling (before issue 18): deposit → "Paid" p50 ≈ 1,030 ms · p95 ≈ 1,810–1,930 ms`,
    `target p50 ≤ ${PAID_P50_TARGET_MS} ms, p95 ≤ ${PAID_P95_TARGET_MS} ms: ${within ? "within" : "OVER"}`,
  ];
}

const PAID_P50_TARGET_MS = 100;
const PAID_P95_TARGET_MS = 250;
const FANOUT_P99_TARGET_MS = 1_000;

const mib = (bytes: number | null) => (bytes === null ? "?" : `${(bytes / 2 ** 20).toFixed(0)} MiB`);
const kib = (bytes: number | null) => (bytes === null ? "?" : `${(bytes / 1024).toFixed(1)} KiB`);

function streamsRow(db: string, result: LiveStreamsResult): Row {
  const f = result.fanout;
  const errors = result.errors === 0 ? "0 errors" : `${result.errors} ERRORS (${Object.entries(result.errorKinds).map(([kind, n]) => `${kind} ×${n}`).join(", ")})`;
  const within = result.errors === 0 && f.received === f.streams && f.fromCommit.p99 <= FANOUT_P99_TARGET_MS;
  return [
    `8. ${result.streams.toLocaleString("en-US")} live status streams on one instance (${result.orders.toLocaleString("en-US")} orders × ${result.perOrder}, ${result.addresses.toLocaleString("en-US")} addresses); ${f.orders} orders paid at once`,
    db,
    `${errors} · RSS ${mib(result.rssBeforeBytes)} → ${mib(result.rssAfterBytes)}: ${kib(result.rssPerStreamBytes)}/stream (${kib(result.rssPerExtraStreamBytes)} per extra tab) · opened in ${result.openSeconds.toFixed(1)} s (first view p50 ${ms(result.openLatency.p50)} ms · p99 ${ms(result.openLatency.p99)} ms) · fan-out to ${f.received}/${f.streams} streams: from the paying transaction p50 ${ms(f.fromCommit.p50)} ms · p99 ${ms(f.fromCommit.p99)} ms, from the burst p50 ${ms(f.fromBurst.p50)} ms · p99 ${ms(f.fromBurst.p99)} ms`,
    `PayRam status calls/order/s: ${result.oneWatcher.statusCallsPerOrderPerSecond.toFixed(3)} with ${result.oneWatcher.streams.toLocaleString("en-US")} streams (1 per order) vs ${result.allWatchers.statusCallsPerOrderPerSecond.toFixed(3)} with ${result.allWatchers.streams.toLocaleString("en-US")} (${result.perOrder} per order)`,
    `calls ×${(result.allWatchers.statusCallsPerOrderPerSecond / result.oneWatcher.statusCallsPerOrderPerSecond).toFixed(2)} for ×${result.perOrder} watchers; target 0 errors, fan-out p99 ≤ ${FANOUT_P99_TARGET_MS} ms: ${within ? "within" : "OVER"}`,
  ];
}

/** The storm's target: one status call per reference per DELIVERY_SYNC_INTERVAL_MS (2 s). */
const STORM_CALLS_TARGET = 0.5;

function stormRow(db: string, result: StormResult): Row {
  const calls = result.statusCallsPerReferencePerSecond;
  const failures = [result.non2xx > 0 ? `${result.non2xx} non-2xx (${Object.entries(result.statusCodes).filter(([code]) => !code.startsWith("2")).map(([code, n]) => `${code} ×${n}`).join(", ")})` : "0 non-2xx", result.errors > 0 ? `${result.errors} errors` : ""].filter(Boolean).join(", ");
  const cpu = result.serverCpuMsPerDelivery === null ? "" : ` · ${result.serverCpuMsPerDelivery.toFixed(2)} ms CPU/delivery`;
  const rate = result.payments * result.perPaymentPerSecond;
  return [
    `6. confirmation storm, ${result.payments} payments × ${result.perPaymentPerSecond} delivery/s, ${Math.round(result.seconds)} s`,
    db,
    `${calls.toFixed(2)} PayRam status calls/reference/s (busiest ${result.maxStatusCallsPerReferencePerSecond.toFixed(2)}; target ≤ ${STORM_CALLS_TARGET}) · webhook p50 ${ms(result.latency.p50)} ms · p99 ${ms(result.latency.p99)} ms · ${failures}${cpu} · ${result.rowsPerDelivery.toFixed(2)} delivery rows/delivery`,
    `without the throttle: 1 status call and 1 row per delivery (${result.perPaymentPerSecond.toFixed(2)} calls/reference/s, ${perSecond(rate)} calls/s)`,
    `${(calls / result.perPaymentPerSecond).toFixed(2)}× the calls, ${result.rowsPerDelivery.toFixed(2)}× the rows; PayRam calls ${calls <= STORM_CALLS_TARGET ? "within" : "OVER"} target`,
  ];
}

export function tableRows(run: BenchRun): Row[] {
  const rows: Row[] = [];
  const ran = run.databases.filter((db) => !db.skipped);
  for (const db of ran) if (db.webhook) rows.push(...webhookRows(db.database, db.webhook));
  for (const db of ran) if (db.polling) rows.push(pollingRow(db.database, db.polling));
  for (const db of ran) if (db.checkout) rows.push(checkoutRow(db.database, db.checkout.sequential), checkoutRow(db.database, db.checkout.concurrent));
  if (run.weight) for (const page of run.weight.pages) rows.push(weightRow(page, run.weight.blank));
  for (const db of ran) if (db.paid) rows.push(paidRow(db.database, db.paid));
  for (const db of ran) if (db.streams) rows.push(streamsRow(db.database, db.streams));
  for (const db of ran) if (db.storm) rows.push(stormRow(db.database, db.storm));
  return rows;
}

/** A Markdown table, padded so it also reads as plain text. */
export function formatTable(rows: Row[]): string {
  const all = [HEADER, ...rows];
  const widths = HEADER.map((_, column) => Math.max(...all.map((row) => row[column]!.length)));
  const line = (row: readonly string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(" | ")} |`;
  return [line(HEADER), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}

export function formatNotes(run: BenchRun): string[] {
  const notes: string[] = [];
  const first = run.databases.find((db) => db.webhook)?.webhook;
  if (first) notes.push(`Webhook mix: ${first.mix}.`);
  for (const db of run.databases) {
    if (db.skipped) notes.push(`${db.database}: SKIPPED (${db.skipped}).`);
    for (const r of db.webhook?.runs ?? []) {
      const verdicts = Object.entries(r.verdicts).map(([verdict, count]) => `${verdict} ${count}`).join(", ");
      notes.push(`${db.database} ${r.target} at ${r.connections}: ${r.load.requests} deliveries in ${r.load.seconds.toFixed(1)} s; the shop's verdicts: ${verdicts}.`);
    }
  }
  for (const db of run.databases) {
    const storm = db.storm;
    if (!storm) continue;
    const verdicts = Object.entries(storm.verdicts)
      .map(([verdict, n]) => (n.rows === n.deliveries ? `${verdict} ${n.rows}` : `${verdict} ${n.rows} rows for ${n.deliveries} deliveries`))
      .join(", ");
    notes.push(
      `${db.database} storm: after ${storm.warmupSeconds} s of warm-up at the same rate (p50 ${ms(storm.warmupLatency.p50)} ms, p99 ${ms(storm.warmupLatency.p99)} ms), ${storm.deliveries} deliveries sent in ${storm.sendSeconds.toFixed(1)} s (${perSecond(storm.deliveries / storm.sendSeconds)}/s), all answered after ${storm.seconds.toFixed(1)} s; ` +
        `${storm.statusCalls} PayRam status calls; ${storm.rowsWritten} webhook_deliveries rows (${verdicts}); confirmations rising every ${storm.confirmationEveryMs / 1000} s (of ${storm.confirmationsRequired}).`,
    );
  }
  for (const db of run.databases) {
    const live = db.streams;
    if (!live) continue;
    const f = live.fanout;
    const cpu = (w: LiveStreamsResult["oneWatcher"]) => (w.serverCpuPercent === null ? "" : `, server CPU ${w.serverCpuPercent.toFixed(0)} %`);
    notes.push(
      `${db.database} streams: ulimit -n ${live.openFilesLimit ?? "unlimited"}; held ${live.oneWatcher.seconds.toFixed(0)} s with ${live.oneWatcher.streams} streams (${live.oneWatcher.statusCalls} PayRam status calls${cpu(live.oneWatcher)}) then ${live.allWatchers.seconds.toFixed(0)} s with ${live.allWatchers.streams} (${live.allWatchers.statusCalls} calls${cpu(live.allWatchers)}); ` +
        `RSS 2 s after closing every stream ${mib(live.rssAfterCloseBytes)}; fan-out: ${f.webhooksAnswered}/${f.orders} webhooks answered (${f.webhooksThrottled} throttled: applied at the claim's end), ${f.statusCallsChanged} status calls for the changed orders, all paid views in within ${f.seconds.toFixed(1)} s; from the webhook's answer p50 ${ms(f.fromWebhookAnswer.p50)} ms · p99 ${ms(f.fromWebhookAnswer.p99)} ms (negative: the push came first); ${live.stillOpen} streams of unchanged orders still open at the end.`,
    );
  }
  if (run.weight) notes.push(`Blank app: built with next build in ${run.weight.blankBuildSeconds.toFixed(0)} s (temp folder, the repo's node_modules).`);
  for (const warning of run.warnings) notes.push(`WARNING: ${warning}.`);
  for (const error of run.errors) notes.push(`FAILED: ${error}`);
  return notes;
}

export function formatMachine(run: BenchRun): string {
  const m = run.machine;
  return `${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB memory, Node ${m.node}, ${m.os}`;
}

export function formatRun(run: BenchRun): string {
  const heading = `Benchmark ${run.startedAt.slice(0, 10)}, commit ${run.commit}${run.quick ? " (--quick)" : ""}${run.partial ? ` (${run.partial} only)` : ""}, wall time ${run.wallSeconds.toFixed(0)} s`;
  return [heading, `Machine: ${formatMachine(run)}`, "", formatTable(tableRows(run)), "", ...formatNotes(run).map((note) => `- ${note}`)].join("\n");
}

export const RESULTS_DIR = join(__dirname, "results");

/** bench/results/<date>-<commit>[-quick].json */
export function writeJson(run: BenchRun): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${run.startedAt.slice(0, 10)}-${run.commit}${run.quick ? "-quick" : ""}${run.partial ? `-${run.partial}` : ""}.json`);
  writeFileSync(file, `${JSON.stringify({ ...run, table: formatTable(tableRows(run)) }, null, 2)}\n`);
  return file;
}

const RESULTS_MD = join(__dirname, "RESULTS.md");
const START = "<!-- bench:latest:start (written by npm run bench; edit outside these markers) -->";
const END = "<!-- bench:latest:end -->";

/** Replaces the latest-run block of bench/RESULTS.md, keeping everything written around it. */
export function updateResultsMarkdown(run: BenchRun, jsonFile: string): void {
  const block = [
    START,
    `## Latest run: ${run.startedAt.slice(0, 10)}, commit \`${run.commit}\``,
    "",
    `- Machine: ${formatMachine(run)}`,
    `- Wall time of \`npm run bench\`: ${run.wallSeconds.toFixed(0)} s`,
    `- Raw figures: \`bench/results/${jsonFile.split("/").pop()}\``,
    "",
    formatTable(tableRows(run)),
    "",
    ...formatNotes(run).map((note) => `- ${note}`),
    END,
  ].join("\n");
  const current = existsSync(RESULTS_MD) ? readFileSync(RESULTS_MD, "utf8") : `# Benchmarks\n\n${START}\n${END}\n`;
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  const next = start === -1 || end === -1 ? `${current.trimEnd()}\n\n${block}\n` : `${current.slice(0, start)}${block}${current.slice(end + END.length)}`;
  writeFileSync(RESULTS_MD, next);
}
