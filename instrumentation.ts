/**
 * Runs once when a Next.js server starts, before it serves a request: start tracing when asked,
 * time requests for /api/metrics, validate the configuration and migrate the database, or refuse
 * to start with a readable message; then start the background sweep for missed webhooks and the
 * retention of old rows.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // Traces, off by default: with an OTLP endpoint, OpenTelemetry exports Next's request spans and
  // the shop's own (a PayRam call, a database transaction: lib/tracing.ts), each carrying the
  // request id its log lines carry. @vercel/otel reads the standard OTEL_* variables (protocol
  // http/protobuf unless OTEL_EXPORTER_OTLP_PROTOCOL says http/json; OTEL_SERVICE_NAME).
  if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    const { registerOTel } = await import("@vercel/otel");
    registerOTel({ serviceName: process.env.OTEL_SERVICE_NAME || "payram-storefront" });
  }
  // First: from here on every request carries its connection's address (lib/security/peer.ts).
  const { installPeerStamp } = await import("./lib/security/peer");
  installPeerStamp();
  const { installRequestTiming } = await import("./lib/metrics");
  installRequestTiming();
  const { prepare, createFirstOwner, devDefaultNotices, startBackgroundWork } = await import("./lib/jobs/startup");
  const { getDb } = await import("./lib/server/db");
  const { getPayram } = await import("./lib/server/payram");
  const { config, db } = await prepare(() => getDb());
  await createFirstOwner(config, db);
  for (const notice of devDefaultNotices(config)) console.log(notice);
  startBackgroundWork(config, { db, payram: getPayram() });
}
