import { readFileSync } from "node:fs";
import { join } from "node:path";
import { NextResponse, type NextRequest } from "next/server";
import { ADMIN_COOKIE, verifySessionToken } from "@/lib/auth/session";
import { loadConfig } from "@/lib/config";
import { contentSecurityPolicy, strictTransportSecurity } from "@/lib/security/headers";
import { bodyRefusal, pageOwnsAction, type ActionManifest } from "@/lib/security/request-gate";

/**
 * Runs before every page and route: the per-request security headers (a CSP with a fresh
 * nonce), and the merchant area's first gate — no validly signed, unexpired session cookie, no
 * admin page, action or route. It needs no database: each of those checks again itself that the
 * session is still open, its person enabled and their role allowed (lib/server/auth.ts,
 * lib/rules/roles.ts): a signed-out or disabled person's cookie gets no further.
 */
export function proxy(request: NextRequest) {
  const config = loadConfig();
  const { pathname } = request.nextUrl;

  // Every body here goes to a page's server action (1 MB at most): a longer one is refused on its
  // declared length, before Next buffers it. The merchant's uploads have their own route, which
  // the matcher leaves out (app/admin/api/uploads/route.ts).
  const tooLarge = bodyRefusal(request.method, request.headers.get("content-length"), undefined, request.headers.get("transfer-encoding"));
  if (tooLarge) return NextResponse.json({ error: tooLarge.error }, { status: tooLarge.status, headers: { Connection: "close" } });

  // The sign-in page and the pages a mailed link opens (an invitation, a password reset) need no session.
  const open = pathname === "/admin/sign-in" || pathname === "/admin/invite" || pathname === "/admin/reset";
  if (pathname.startsWith("/admin") && !open && !verifySessionToken(config, request.cookies.get(ADMIN_COOKIE)?.value)) {
    if (request.headers.has("next-action") || pathname.startsWith("/admin/api/") || request.method !== "GET") {
      return NextResponse.json({ error: "sign in to the merchant area first" }, { status: 401 });
    }
    const signIn = new URL("/admin/sign-in", request.url);
    signIn.searchParams.set("next", pathname + request.nextUrl.search);
    return NextResponse.redirect(signIn, 303);
  }

  // (After the merchant area's gate: without a session, any action there is 401, whatever its id.)
  // An action the page does not hold: Next would forward it to itself (issue 29.8). Answered as
  // Next answers an unknown action (409 and its marker: the browser reports a stale page).
  const actionId = request.headers.get("next-action");
  const manifest = actionId !== null && request.method === "POST" && config.nodeEnv === "production" ? actionManifest() : null;
  if (actionId !== null && manifest && !pageOwnsAction(manifest, actionId, pathname)) {
    return new NextResponse("Server Action unavailable.", { status: 409, headers: { "Content-Type": "text/plain", "x-nextjs-action-not-found": "1", Connection: "close" } });
  }

  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const csp = contentSecurityPolicy({
    nonce,
    formActionOrigins: config.payram.checkoutOrigins,
    development: config.nodeEnv === "development",
    https: config.appBaseUrl.startsWith("https:"),
  });
  // Next.js reads the nonce from the request's CSP header and puts it on its scripts.
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", csp);
  const hsts = strictTransportSecurity(config.appBaseUrl, config.nodeEnv === "production");
  if (hsts) response.headers.set("Strict-Transport-Security", hsts);
  return response;
}

let manifest: ActionManifest | null | undefined;

/** The production build's action manifest (which pages hold each action), read once; null if unreadable. */
function actionManifest(): ActionManifest | null {
  if (manifest === undefined) {
    try {
      const parsed = JSON.parse(readFileSync(join(process.cwd(), ".next", "server", "server-reference-manifest.json"), "utf8")) as Partial<ActionManifest>;
      manifest = parsed.node && typeof parsed.node === "object" ? { node: parsed.node } : null;
    } catch {
      manifest = null;
    }
  }
  return manifest;
}

export const config = {
  // Pages and the merchant area, not build assets, public files or the shop's JSON API (webhooks
  // and polls need no CSP; the static headers of next.config.mjs still apply). /admin/api stays.
  // Public files live under /images/, a prefix no page uses: excluding a page's prefix (as
  // /products/ once was) would serve those pages without a CSP. /media/ is one route handler
  // (uploaded images) that sets its own, stricter CSP: the pages' one would replace it.
  // /admin/api/uploads takes the merchant's files (up to 8 MB): through the proxy, Next would
  // buffer each body (up to proxyClientMaxBodySize, 1 MB) before the route could check the session
  // — the route checks it itself before reading a byte.
  matcher: [{ source: "/((?!_next/static|_next/image|favicon.ico|images/|media/|api/|admin/api/uploads).*)" }],
};
