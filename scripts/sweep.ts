/**
 * `npm run sweep`: re-check open payments with PayRam once (for cron, or after an outage).
 * Only the due ones by default; `--all` checks every open payment now.
 */
import { createPayramClient } from "../lib/payram/client";
import { sweepAllOpen, sweepDue } from "../lib/payments/sweep";
import { prepare } from "../lib/startup";

async function main() {
  const { config, db } = await prepare();
  const payram = createPayramClient(config.payram);
  const all = process.argv.includes("--all");
  const result = await (all ? sweepAllOpen({ db, payram }) : sweepDue({ db, payram }));
  console.log(`Sweep: ${result.checked} payments checked, ${result.changed} changed, ${result.failed} failed.`);
  await db.destroy();
  process.exitCode = result.failed > 0 ? 1 : 0;
}

void main();
