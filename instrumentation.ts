/**
 * Runs once when a Next.js server starts, before it serves a request: validate the
 * configuration and migrate the database, or refuse to start with a readable message.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { prepare, devDefaultNotices } = await import("./lib/startup");
  const { getDb } = await import("./lib/db/server");
  const { config } = await prepare(() => getDb());
  for (const notice of devDefaultNotices(config)) console.log(notice);
}
