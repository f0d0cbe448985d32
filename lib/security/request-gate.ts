/**
 * What proxy.ts refuses before a page or a server action reads anything of a request (issue 29,
 * items 5 and 8), pure: the proxy passes the request's parts and the build's action manifest. And
 * the one capped reader of a body, for the routes the proxy leaves to themselves (the webhook,
 * the merchant's uploads).
 */

/** What a server action may receive: Next's default `serverActions.bodySizeLimit` (1 MB). */
export const ACTION_BODY_MAX_BYTES = 1024 * 1024;

export interface Refusal {
  status: number;
  error: string;
}

/**
 * A body the pages' server actions would refuse anyway, refused on its declared length before a
 * byte of it is buffered (the proxy otherwise buffers up to `proxyClientMaxBodySize`). A body
 * without a length (chunked) is refused too: Next would cut it at that size and the action fail
 * on half a form. Browsers always send a Content-Length for a form or an action.
 */
export function bodyRefusal(method: string, contentLength: string | null, max = ACTION_BODY_MAX_BYTES, transferEncoding: string | null = null): Refusal | null {
  if (method === "GET" || method === "HEAD") return null;
  if (contentLength === null) return transferEncoding === null ? null : { status: 411, error: "Content-Length is required" };
  const length = Number(contentLength);
  if (!/^\d+$/.test(contentLength.trim()) || !Number.isSafeInteger(length)) return { status: 400, error: "invalid Content-Length" };
  if (length > max) return { status: 413, error: `the body is larger than ${max} bytes` };
  return null;
}

/** The build's server-reference manifest, as far as this needs it: which pages ("workers") hold each action. */
export interface ActionManifest {
  node: Record<string, { workers: Record<string, unknown> } | undefined>;
}

/**
 * A worker's page name ("app/(shop)/products/[slug]/page") as a pattern for the URL paths it
 * serves: route groups dropped, a dynamic segment matching one segment, a catch-all several.
 */
export function workerPathPattern(worker: string): RegExp {
  const segments = worker
    .replace(/^app/, "")
    .replace(/\/page$/, "")
    .split("/")
    .filter((segment) => segment !== "" && !/^\(.*\)$/.test(segment));
  let source = "";
  for (const segment of segments) {
    if (/^\[\[\.\.\..+\]\]$/.test(segment)) source += "(?:/[^/]+)*";
    else if (/^\[\.\.\..+\]$/.test(segment)) source += "(?:/[^/]+)+";
    else if (/^\[.+\]$/.test(segment)) source += "/[^/]+";
    else source += "/" + segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source || "/"}/?$`);
}

/**
 * Whether the page at `pathname` holds the action `actionId`. Next forwards an action posted to
 * another page to itself (over HTTP, as 127.0.0.1, without the visitor's cookies): every form of
 * this shop posts to its own page, so any other is refused instead.
 */
export function pageOwnsAction(manifest: ActionManifest, actionId: string, pathname: string): boolean {
  const entry = Object.hasOwn(manifest.node, actionId) ? manifest.node[actionId] : undefined;
  if (!entry) return false;
  let path: string;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    return false;
  }
  return Object.keys(entry.workers).some((worker) => workerPathPattern(worker).test(path) || workerPathPattern(worker).test(pathname));
}

/**
 * A body read to its end, or null as soon as it passes `max` bytes (the rest is never read: the
 * stream is cancelled). At most `max` bytes are ever held.
 */
export async function readCapped(body: ReadableStream<Uint8Array> | null, max: number): Promise<Buffer | null> {
  if (!body) return Buffer.alloc(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/**
 * A browser's request from another site, for a route handler that acts on the merchant's session
 * (server actions get Next's own Origin check; routes do not). Browsers name the requesting site
 * on every POST (`Origin`) and, in all current ones, `Sec-Fetch-Site`; a client that sends neither
 * is no browser and carries no one's cookie by accident. The session cookie is SameSite=Strict as
 * well: this is the second lock.
 */
export function crossSiteRefusal(headers: Headers): Refusal | null {
  const refused = { status: 403, error: "refused: a request from another site" };
  const site = headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") return refused;
  const origin = headers.get("origin");
  if (origin === null) return null;
  const host = headers.get("x-forwarded-host") ?? headers.get("host");
  return URL.canParse(origin) && new URL(origin).host === host ? null : refused;
}
