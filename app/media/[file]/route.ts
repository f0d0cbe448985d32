import { findImage } from "@/lib/catalog/media";
import { getDb } from "@/lib/server/db";

export const dynamic = "force-dynamic";

/**
 * Uploaded product images, from the database (so every instance serves them). The name carries
 * the content's sha256: a URL's bytes never change, hence the year-long immutable caching. The
 * image answer may run nothing and load nothing, even when opened on its own (nosniff, CSP).
 */
export async function GET(_request: Request, context: RouteContext<"/media/[file]">) {
  const image = await findImage(getDb(), (await context.params).file);
  if (!image) return new Response("not found", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });
  return new Response(new Uint8Array(image.bytes), {
    headers: {
      "Content-Type": image.contentType,
      "Content-Length": String(image.bytes.length),
      "Cache-Control": "public, max-age=31536000, immutable",
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "default-src 'none'",
    },
  });
}
