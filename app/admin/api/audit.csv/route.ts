import { auditCsv, auditFilterSchema } from "@/lib/auth/audit";
import { csvDownload } from "@/lib/rules/csv";
import { merchantRouteRefusal, requestScope } from "@/lib/server/auth";

export const dynamic = "force-dynamic";

/** The audit log, filtered as on screen, as CSV (cells neutralised against spreadsheet formulas). */
export async function GET(request: Request) {
  const refusal = await merchantRouteRefusal("audit.read", "audit.export");
  if (refusal) return refusal;
  const params = new URL(request.url).searchParams;
  const filter = auditFilterSchema.parse({ person: params.get("person") || undefined, kind: params.get("kind") || undefined, order: params.get("order") || undefined, page: 1 });
  return csvDownload(await auditCsv((await requestScope()).db, filter), "audit", new Date());
}
