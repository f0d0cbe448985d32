import { secretMatches } from "@/lib/auth/session";
import { loadConfig } from "@/lib/config";
import { refreshShopFigures } from "@/lib/jobs/shop-figures";
import { metrics } from "@/lib/metrics";
import { getDb } from "@/lib/server/db";

export const dynamic = "force-dynamic";

const NO_STORE = { "Cache-Control": "no-store" };

/**
 * The shop's metrics in Prometheus's text format, for a scraper holding METRICS_TOKEN (as
 * `Authorization: Bearer <token>`). Without METRICS_TOKEN the route does not exist (404); a
 * missing or wrong token is 401. Each instance reports its own counters; the figures read from
 * the database are the whole shop's, read at most every 15 s (lib/jobs/shop-figures.ts).
 */
export async function GET(request: Request) {
  const token = loadConfig().metricsToken;
  if (token === null) return Response.json({ error: "not found" }, { status: 404, headers: NO_STORE });
  // Compared in constant time, whatever the lengths.
  const given = /^Bearer (.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1]?.trim();
  if (!given || !secretMatches(given, token)) {
    return Response.json({ error: "a valid bearer token is required" }, { status: 401, headers: { ...NO_STORE, "WWW-Authenticate": 'Bearer realm="metrics"' } });
  }
  const { registry } = metrics();
  // A database that does not answer keeps the last figures; the counters are served anyway.
  await refreshShopFigures(getDb()).catch(() => {});
  return new Response(await registry.metrics(), { headers: { ...NO_STORE, "Content-Type": registry.contentType } });
}
