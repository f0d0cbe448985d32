/**
 * Runs once when a Next.js server starts, before it serves a request: validate the
 * configuration and migrate the database, or refuse to start with a readable message; then
 * start the background sweep for missed webhooks.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { prepare, devDefaultNotices } = await import("./lib/startup");
  const { getDb } = await import("./lib/db/server");
  const { getPayram } = await import("./lib/payram/server");
  const { startSweepSchedule } = await import("./lib/payments/sweep");
  const { log } = await import("./lib/log");
  const { config, db } = await prepare(() => getDb());
  for (const notice of devDefaultNotices(config)) console.log(notice);
  log.info({ event: "start", database: config.database.kind, payram: config.payram.baseUrl, sweepIntervalMs: config.sweepIntervalMs }, "shop started");
  if (config.sweepIntervalMs > 0) {
    const stop = startSweepSchedule({ db, payram: getPayram() }, config.sweepIntervalMs, (error) =>
      log.error({ event: "sweep", err: error instanceof Error ? error.message : String(error) }, "sweep failed"),
    );
    // On SIGTERM Next.js stops accepting connections and finishes the requests in flight (each
    // webhook is applied before it is acknowledged); no new sweep starts meanwhile. A sweep cut
    // short is harmless: its claims expire and every change is one transaction.
    process.once("SIGTERM", () => {
      stop();
      log.info({ event: "stop" }, "shutting down: finishing requests in flight");
    });
  }
}
