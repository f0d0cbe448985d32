import { loadConfig } from "@/lib/config";
import { getDb } from "@/lib/server/db";
import { inRequest } from "@/lib/log";
import { contentDisposition, takeDownload } from "@/lib/orders/downloads";

export const dynamic = "force-dynamic";

/**
 * A download link from an order's download page: the file, counted, or a short page that says
 * why not (and leads back to the download page, whose links are fresh, when the order is known).
 */
export async function GET(request: Request, context: RouteContext<"/api/downloads/[token]">) {
  const { token } = await context.params;
  const outcome = await inRequest(request.headers, () => takeDownload(getDb(), loadConfig().sessionSecret, token));
  if (!outcome.ok) return refusal(outcome.status, outcome.message, outcome.orderId);
  return new Response(new Uint8Array(outcome.bytes), {
    headers: {
      "Content-Type": outcome.contentType,
      "Content-Length": String(outcome.bytes.length),
      "Content-Disposition": contentDisposition(outcome.fileName),
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "default-src 'none'; sandbox",
    },
  });
}

function refusal(status: number, message: string, orderId: string | null): Response {
  const back = orderId ? `<p><a href="/orders/${orderId}/downloads">Your order's download page</a></p>` : "";
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Download not available</title></head><body><h1>Download not available</h1><p>${escapeHtml(message)}</p>${back}</body></html>`;
  return new Response(html, {
    status,
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "default-src 'none'",
    },
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
