import { csvDownload } from "@/lib/rules/csv";
import { merchantRouteRefusal, requestScope } from "@/lib/server/auth";
import { orderFilterSchema, ordersCsv } from "@/lib/views/admin-orders";

export const dynamic = "force-dynamic";

/** The orders list, filtered as on screen, as CSV (money as exact decimal strings). */
export async function GET(request: Request) {
  const refusal = await merchantRouteRefusal("orders.read", "orders.export");
  if (refusal) return refusal;
  const params = new URL(request.url).searchParams;
  // The list's own filters: "Export CSV" from the "To ship" view exports those orders.
  const filter = orderFilterSchema.parse({ state: params.get("state") ?? undefined, fulfil: params.get("fulfil") ?? undefined, q: params.get("q") ?? undefined, page: 1 });
  return csvDownload(await ordersCsv((await requestScope()).db, filter), "orders", new Date());
}
