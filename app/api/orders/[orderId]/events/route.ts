import { loadConfig } from "@/lib/config";
import { orderEvents } from "@/lib/live/stream";
import { isStopping } from "@/lib/jobs/stopping";
import { inRequest } from "@/lib/log";
import { orderIdSchema } from "@/lib/orders";
import { syncDeps } from "@/lib/server/deps";
import { clientAddress } from "@/lib/security/rate-limit";

export const dynamic = "force-dynamic";

/** The status page's live stream of its order's view (lib/live/stream.ts); polling is its fallback. */
export async function GET(request: Request, context: RouteContext<"/api/orders/[orderId]/events">) {
  const { orderId } = await context.params;
  if (!orderIdSchema.safeParse(orderId).success) return Response.json({ error: "not found" }, { status: 404, headers: { "Cache-Control": "no-store" } });
  // Stopping (drain): no new stream here; the page polls, and reconnects to another instance later.
  if (isStopping()) return Response.json({ error: "this instance is stopping" }, { status: 503, headers: { "Cache-Control": "no-store", "Retry-After": "5" } });
  const client = clientAddress(request.headers, loadConfig().trustedProxyCount);
  return inRequest(request.headers, () => orderEvents(syncDeps(), orderId, client, request.signal));
}
