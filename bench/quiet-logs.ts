/**
 * Imported first by run.ts, before any module of the shop: the library calls made in this
 * process (placing orders, syncing) log nothing, so the report stays readable. The servers
 * under test (the standalone server, the bare webhook server) log as they do in production.
 */
process.env.LOG_LEVEL ??= "silent";
process.env.NEXT_TELEMETRY_DISABLED = "1";

export {};
