import type { DeliveryLogEntry, RuntimeConfig } from "../../emulator/server";
import type { Comparison, Mismatch, StockFigures } from "./compare";
import { FATE_NAMES, FATES } from "./plan";

/** What the emulator's delivery log says about the webhooks of a run. */
export interface DeliveryStats {
  /** Payment events announced (a duplicate copy is not a new event). */
  events: number;
  /** Events sent at least once (duplicate copies not counted). */
  sent: number;
  /** Deliveries whose first attempt was dropped (the retries went on). */
  dropped: number;
  /** Deliveries lost for good (never sent). */
  lost: number;
  /** Progress deliveries while deposits confirmed (connector-2026's storms). */
  progress: number;
  duplicated: number;
  reordered: number;
  delayed: number;
  attempts: number;
  delivered: number;
  failedAttempts: number;
  /** Attempts after the first (the retry schedule at work). */
  retries: number;
  /** Deliveries whose last attempt failed with no retry left. */
  gaveUp: number;
  /** Attempts that got an HTTP answer from an app instance. */
  answered: number;
  /** Attempts per receiving URL. */
  byUrl: Record<string, number>;
  /** The log keeps its last 5000 entries: older ones are not counted. */
  truncated: boolean;
}

export function deliveryStats(log: readonly DeliveryLogEntry[], logLimit = 5_000): DeliveryStats {
  const payment = log.filter((entry) => entry.kind === "payment");
  const byDelivery = new Map<number, DeliveryLogEntry[]>();
  for (const entry of payment) {
    const list = byDelivery.get(entry.deliveryId) ?? [];
    list.push(entry);
    byDelivery.set(entry.deliveryId, list);
  }
  const stats: DeliveryStats = {
    events: 0,
    sent: 0,
    dropped: 0,
    lost: 0,
    progress: 0,
    duplicated: 0,
    reordered: 0,
    delayed: 0,
    attempts: 0,
    delivered: 0,
    failedAttempts: 0,
    retries: 0,
    gaveUp: 0,
    answered: 0,
    byUrl: {},
    truncated: log.length >= logLimit,
  };
  for (const entries of byDelivery.values()) {
    const first = entries[0]!;
    if (first.fault !== "duplicate") stats.events++;
    if (first.fault === "duplicate") stats.duplicated++;
    if (first.fault === "reordered") stats.reordered++;
    if (first.fault === "delayed") stats.delayed++;
    if (first.fault !== "duplicate" && first.progress) stats.progress++;
    if (first.fault === "lost") {
      stats.lost++;
      continue;
    }
    if (first.fault === "dropped") stats.dropped++;
    if (first.fault !== "duplicate" && entries.some((entry) => entry.outcome === "delivered" || entry.outcome === "failed")) stats.sent++;
    if (entries.some((entry) => entry.gaveUp)) stats.gaveUp++;
  }
  for (const entry of payment) {
    // Attempts that went out: a dropped attempt never left the emulator.
    if (entry.attempt < 1 || entry.outcome === "dropped") continue;
    stats.attempts++;
    if (entry.outcome === "delivered") stats.delivered++;
    if (entry.outcome === "failed") stats.failedAttempts++;
    if (entry.attempt > 1) stats.retries++;
    if (entry.responseStatus !== null) stats.answered++;
    if (entry.url) stats.byUrl[entry.url] = (stats.byUrl[entry.url] ?? 0) + 1;
  }
  return stats;
}


export interface RunReport {
  database: "postgres" | "sqlite";
  profile: RuntimeConfig["profile"];
  /** What the profile's readings did: top-ups under new references, progress deliveries, cancellations not delivered. */
  readings: { topUps: number; progressDeliveries: number; silentCancellations: number };
  instances: string[];
  orders: number;
  seed: number;
  /** Webhook deliveries allowed pending while settling. */
  backlog: number;
  faults: string;
  comparison: Comparison;
  /** Attempts behind PayRam once the webhooks had drained, before the sweep. */
  behindBeforeSweep: number;
  sweep: { rounds: number; checked: number; changed: number; failed: number };
  deliveries: DeliveryStats;
  /** The shop's webhook_deliveries by verdict. */
  verdicts: Record<string, number>;
  doubleSubmits: { tried: number; resumed: number };
  payAgain: { tried: number; opened: number };
  /** The product of limited stock: what it began and ended with, the checkouts refused for it, the stock check's figures. */
  stock: {
    product: string;
    initial: number;
    final: number | null;
    /** Planned orders that want it. */
    wantedBy: number;
    soldOut: { atCart: number; atCheckout: number; payAgain: number };
    check: StockFigures;
  };
  /** Problems of the run itself (not of the shop), e.g. a deadline. */
  problems: string[];
  /** Lines the app servers logged that look like errors (shown, not judged). */
  serverErrors: string[];
  timings: [label: string, ms: number][];
  durationMs: number;
}

export function failures(report: RunReport): number {
  return report.comparison.mismatches.length + report.problems.length;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function counts(record: Record<string, number>, order: readonly string[] = []): string {
  const keys = [...order.filter((key) => key in record), ...Object.keys(record).filter((key) => !order.includes(key)).sort()];
  return keys.length === 0 ? "none" : keys.map((key) => `${key} ${record[key]}`).join(" · ");
}

const STATE_ORDER = ["OPEN", "PARTIALLY_FILLED", "FILLED", "OVER_FILLED", "CANCELLED", "STARTING", "START_FAILED"];
const VERDICT_ORDER = ["accepted", "duplicate", "unknown_reference", "failed", "received", "rejected", "ignored", "ping"];

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

function describeMismatch(mismatch: Mismatch): string {
  const who = mismatch.orderNumber === null ? "" : `#${mismatch.orderNumber} (${mismatch.orderId}) `;
  return `    ${who}${mismatch.check}: ${mismatch.detail}`;
}

/** The run's table, as printed. */
export function formatReport(report: RunReport, maxListed = 50): string {
  const c = report.comparison;
  const d = report.deliveries;
  const lines: string[] = [];
  lines.push("");
  lines.push(`Chaos on ${report.database}: ${report.instances.length} app instance${report.instances.length === 1 ? "" : "s"}, ${report.orders} orders, seed ${report.seed}, webhook backlog ≤ ${report.backlog}`);
  lines.push(`  faults: ${report.faults}`);
  const r = report.readings;
  lines.push(`  emulator profile: ${report.profile}; top-ups under new references ${r.topUps}, confirmation progress deliveries ${r.progressDeliveries}, cancellations not delivered ${r.silentCancellations}`);
  lines.push("");
  const header = `  ${pad("fate", 28)}${pad("orders", 8)}${pad("expected", 18)}shop (latest attempt) = PayRam`;
  lines.push(header);
  for (const fate of FATE_NAMES) {
    const entry = c.byFate[fate];
    if (!entry) continue;
    const same = JSON.stringify(entry.shop) === JSON.stringify(entry.payram);
    const shop = counts(entry.shop, STATE_ORDER);
    lines.push(`  ${pad(FATES[fate].label, 28)}${pad(String(entry.orders), 8)}${pad(FATES[fate].expected, 18)}${shop}${same ? "" : `  ≠ PayRam ${counts(entry.payram, STATE_ORDER)}`}`);
  }
  lines.push("");
  const row = (label: string, value: string) => lines.push(`  ${pad(label, 22)}${value}`);
  row("orders per state", counts(c.shopStates, STATE_ORDER));
  row("webhook deliveries", `${d.events} payment events: ${d.lost} lost, ${d.dropped} with a dropped first attempt, ${d.sent} sent (+${d.duplicated} duplicate copies); ${d.reordered} reordered, ${d.delayed} delayed`);
  row("delivery attempts", `${d.attempts} (delivered ${d.delivered}, failed ${d.failedAttempts}, retries ${d.retries}, gave up ${d.gaveUp}); by instance: ${report.instances.map((url) => `${new URL(url).port} ${d.byUrl[`${url}/api/webhook`] ?? 0}`).join(", ")}${d.truncated ? " (log truncated: older entries not counted)" : ""}`);
  const recorded = Object.values(report.verdicts).reduce((sum, n) => sum + n, 0);
  row("shop verdicts", `${counts(report.verdicts, VERDICT_ORDER)} (${recorded} recorded; ${d.answered} answered at the emulator)`);
  const sweep = report.sweep;
  row(
    "sweep",
    `${report.behindBeforeSweep} attempts behind PayRam after the webhooks; ` +
      (sweep.rounds === 0 ? "sweep skipped" : `${sweep.rounds} round${sweep.rounds === 1 ? "" : "s"}: ${sweep.checked} checked, ${sweep.changed} changed, ${sweep.failed} failed`),
  );
  row("paid / fulfilled", `paid orders ${c.paidOrders} · fulfilments ${c.fulfilments} · paid by PayRam's figures at the quote ${c.payramPaid}`);
  row("double submits", `${report.doubleSubmits.tried} (same order and payment page: ${report.doubleSubmits.resumed})`);
  row("pay again", `${report.payAgain.tried} (new payment opened: ${report.payAgain.opened}${report.stock.soldOut.payAgain > 0 ? `, sold out: ${report.stock.soldOut.payAgain}` : ""})`);
  const s = report.stock;
  const k = s.check;
  row(
    "stock",
    `${s.product}: ${s.initial} at the start for ${s.wantedBy} planned orders, ${s.final ?? "untracked"} at the end, ${k.held} held by ${k.holdingOrders} orders; ` +
      `${k.ordersWith} orders placed with it, ${k.paidOrders} paid (${k.paidPieces} pieces); ${k.released} reservations released, ${k.outOfStock} flagged out of stock`,
  );
  row("sold out", `${s.soldOut.atCart + s.soldOut.atCheckout} checkouts (${s.soldOut.atCart} when filling the cart, ${s.soldOut.atCheckout} at the checkout's reservation)`);
  row("two open attempts", String(c.ordersWithTwoOpenAttempts));
  row("double fulfilments", String(c.doubleFulfilments));
  row("server log errors", String(report.serverErrors.length));
  for (const line of report.serverErrors.slice(0, 5)) lines.push(`    ${line.slice(0, 200)}`);
  row("mismatches", String(c.mismatches.length));
  row("duration", `${seconds(report.durationMs)} (${report.timings.map(([label, ms]) => `${label} ${seconds(ms)}`).join(" · ")})`);
  for (const problem of report.problems) lines.push(`  PROBLEM: ${problem}`);
  if (c.mismatches.length > 0) {
    lines.push("  mismatching orders:");
    for (const mismatch of c.mismatches.slice(0, maxListed)) lines.push(describeMismatch(mismatch));
    if (c.mismatches.length > maxListed) lines.push(`    … and ${c.mismatches.length - maxListed} more`);
  }
  const verdict = failures(report) === 0 ? "PASS" : "FAIL";
  row("result", verdict);
  return lines.join("\n");
}

/** Lines of a server's output that look like errors. */
export function errorLines(lines: readonly string[]): string[] {
  return lines.filter((line) => /⨯|error|unhandled|uncaught|failed/i.test(line));
}
