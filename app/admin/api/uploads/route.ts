import { acceptUpload } from "@/lib/catalog/media";
import { crossSiteRefusal } from "@/lib/security/request-gate";
import { merchantRouteRefusal, requestScope } from "@/lib/server/auth";

export const dynamic = "force-dynamic";

/**
 * The product form's files, one per request (the raw bytes as the body; `?kind=image|download`,
 * the file's name in X-Upload-Name, percent-encoded). Server actions take 1 MB at most: files go
 * here. proxy.ts does not run here (its matcher leaves this path out), so nothing reads the body
 * before the request's site and the merchant's session are checked; then the declared length, then the bytes with a cap.
 */
export async function POST(request: Request) {
  const crossSite = crossSiteRefusal(request.headers);
  const refusal = crossSite ? Response.json({ error: crossSite.error }, { status: crossSite.status }) : await merchantRouteRefusal("catalog.edit", "product.upload");
  if (refusal) {
    await request.body?.cancel().catch(() => {});
    return refusal;
  }
  const answer = await acceptUpload((await requestScope()).db, {
    kind: new URL(request.url).searchParams.get("kind"),
    contentLength: request.headers.get("content-length"),
    name: request.headers.get("x-upload-name"),
    body: request.body,
  });
  return Response.json(answer.body, { status: answer.status, headers: { "Cache-Control": "no-store" } });
}
