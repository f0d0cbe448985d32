/**
 * `npm run sweep`: re-check open payments with PayRam once (for cron, or after an outage).
 * Only the due ones by default; `--all` checks every open payment now (and searches PayRam now
 * for every order with money and no verdict, see lib/payments/sweep.ts). Then deletes what has
 * outlived its retention (lib/jobs/retention.ts), as the server does on its own schedule.
 */
import { createPayramClient } from "../lib/payram/client";
import { sweepAllOpen, sweepDue } from "../lib/payments/sweep";
import { runRetention } from "../lib/jobs/retention";
import { prepare } from "../lib/jobs/startup";

async function main() {
  const { config, db } = await prepare();
  const payram = createPayramClient(config.payram);
  const deps = { db, payram, customerPrefix: config.payram.customerPrefix };
  const all = process.argv.includes("--all");
  const result = await (all ? sweepAllOpen(deps) : sweepDue(deps, { payramTimeoutMs: config.payram.timeoutMs }));
  console.log(`Sweep: ${result.checked} payments checked, ${result.changed} changed, ${result.failed} failed.`);
  const deleted = await runRetention(db, config);
  const counts = [
    [deleted.carts, "idle cart"],
    [deleted.webhookDeliveries, "old webhook delivery", "old webhook deliveries"],
    [deleted.rateLimitWindows, "ended rate-limit window"],
    [deleted.adminSessions, "expired merchant session"],
  ] as const;
  const said = counts.filter(([n]) => n > 0).map(([n, one, many]) => `${n} ${n === 1 ? one : (many ?? `${one}s`)}`);
  // Quiet when there was nothing to delete, as cron likes it.
  if (said.length > 0) console.log(`Retention: deleted ${said.join(", ")}.`);
  await db.destroy();
  process.exitCode = result.failed > 0 ? 1 : 0;
}

void main();
