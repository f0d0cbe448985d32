import { NextResponse } from "next/server";
import { inRequest } from "@/lib/log";
import { orderIdSchema } from "@/lib/orders";
import { syncDeps } from "@/lib/server/deps";
import { orderStatus } from "@/lib/views/status";

export const dynamic = "force-dynamic";

/** The status page's poll: the order's payment, asking PayRam at most once per interval. */
export async function GET(request: Request, context: RouteContext<"/api/orders/[orderId]">) {
  const { orderId } = await context.params;
  const view = orderIdSchema.safeParse(orderId).success ? await inRequest(request.headers, () => orderStatus(syncDeps(), orderId)) : null;
  if (!view) return NextResponse.json({ error: "not found" }, { status: 404, headers: { "Cache-Control": "no-store" } });
  return NextResponse.json(view, { headers: { "Cache-Control": "no-store" } });
}
