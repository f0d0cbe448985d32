import { auditCsv, auditFilterSchema } from "@/lib/auth/audit";
import { merchantRouteRefusal, requestScope } from "@/lib/server/auth";

export const dynamic = "force-dynamic";

/** The audit log, filtered as on screen, as CSV (cells neutralised against spreadsheet formulas). */
export async function GET(request: Request) {
  const refusal = await merchantRouteRefusal("audit.read", "audit.export");
  if (refusal) return refusal;
  const params = new URL(request.url).searchParams;
  const filter = auditFilterSchema.parse({ person: params.get("person") || undefined, kind: params.get("kind") || undefined, order: params.get("order") || undefined, page: 1 });
  const csv = await auditCsv((await requestScope()).db, filter);
  return new Response(csv, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="audit-${new Date().toISOString().slice(0, 10)}.csv"`,
      "Cache-Control": "no-store",
    },
  });
}
