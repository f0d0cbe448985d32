import { loadConfig } from "@/lib/config";
import { getDb } from "@/lib/server/db";
import { inRequest } from "@/lib/log";
import { contentDisposition, parseRange, rangeOf, takeDownload, type DownloadAsk } from "@/lib/orders/downloads";
import { inWords } from "@/lib/i18n/messages";
import type { Said } from "@/lib/i18n/said";
import { orderLocale } from "@/lib/server/reads";
import { direction, isLocale, LOCALE_COOKIE, negotiateLocale, type Locale } from "@/lib/rules/locales";

export const dynamic = "force-dynamic";

/**
 * A download link from an order's download page: the file, counted, or a short page that says
 * why not (and leads back to the download page, whose links are fresh, when the order is known).
 * A single byte range is served as 206 (a resumed download is not a new one); HEAD counts nothing.
 */
export async function GET(request: Request, context: RouteContext<"/api/downloads/[token]">) {
  const range = parseRange(request.headers.get("range"));
  return serve(request, context, range ? { kind: "range", range, ifRange: request.headers.get("if-range") } : { kind: "whole" });
}

/** What a download would answer, with no body and nothing counted. */
export async function HEAD(request: Request, context: RouteContext<"/api/downloads/[token]">) {
  const response = await serve(request, context, { kind: "head" });
  return new Response(null, { status: response.status, headers: response.headers });
}

async function serve(request: Request, context: RouteContext<"/api/downloads/[token]">, ask: DownloadAsk): Promise<Response> {
  const { token } = await context.params;
  const outcome = await inRequest(request.headers, () => takeDownload(getDb(), loadConfig().sessionSecret, token, new Date(), ask));
  if (!outcome.ok) return refusal(outcome.status, outcome.message, outcome.orderId, await localeOf(request, outcome.orderId));
  const headers = {
    "Content-Type": outcome.contentType,
    "Content-Disposition": contentDisposition(outcome.fileName),
    "Accept-Ranges": "bytes",
    ETag: outcome.etag,
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
  };
  const size = outcome.bytes.length;
  if (outcome.range) {
    const bytes = rangeOf(outcome.range, size);
    if (!bytes) return new Response(null, { status: 416, headers: { ...headers, "Content-Range": `bytes */${size}` } });
    return new Response(new Uint8Array(outcome.bytes.subarray(bytes.start, bytes.end + 1)), {
      status: 206,
      headers: { ...headers, "Content-Range": `bytes ${bytes.start}-${bytes.end}/${size}`, "Content-Length": String(bytes.end - bytes.start + 1) },
    });
  }
  return new Response(ask.kind === "head" ? null : new Uint8Array(outcome.bytes), { headers: { ...headers, "Content-Length": String(size) } });
}

/**
 * The shopper's language (proxy.ts does not see /api): the one they chose (the cookie), else the
 * order's, else their browser's.
 */
async function localeOf(request: Request, orderId: string | null): Promise<Locale> {
  const cookies = (request.headers.get("cookie") ?? "").split(";").map((pair) => pair.trim().split("="));
  const chosen = cookies.find(([name]) => name === LOCALE_COOKIE)?.[1];
  if (isLocale(chosen)) return chosen;
  const placedIn = orderId ? await orderLocale(orderId).catch(() => null) : null;
  return isLocale(placedIn) ? placedIn : negotiateLocale(request.headers.get("accept-language"));
}

function refusal(status: number, message: Said, orderId: string | null, locale: Locale): Response {
  const say = (said: Said) => escapeHtml(inWords(locale, said));
  const back = orderId ? `<p><a href="/orders/${orderId}/downloads">${say({ key: "downloadBack" })}</a></p>` : "";
  const title = say({ key: "downloadTitle" });
  const html = `<!doctype html><html lang="${locale}" dir="${direction(locale)}"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${title}</title></head><body><h1>${title}</h1><p>${say(message)}</p>${back}</body></html>`;
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
