/**
 * Runs once when a Next.js server starts, before it serves a request: validate the
 * configuration and migrate the database, or refuse to start with a readable message; then
 * start the background sweep for missed webhooks and the retention of old rows.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // First: from here on every request carries its connection's address (lib/security/peer.ts).
  const { installPeerStamp } = await import("./lib/security/peer");
  installPeerStamp();
  const { prepare, createFirstOwner, devDefaultNotices, startBackgroundWork } = await import("./lib/jobs/startup");
  const { getDb } = await import("./lib/server/db");
  const { getPayram } = await import("./lib/server/payram");
  const { config, db } = await prepare(() => getDb());
  await createFirstOwner(config, db);
  for (const notice of devDefaultNotices(config)) console.log(notice);
  startBackgroundWork(config, { db, payram: getPayram() });
}
