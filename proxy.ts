import { NextResponse, type NextRequest } from "next/server";
import { ADMIN_COOKIE, verifySessionToken } from "@/lib/auth/session";
import { loadConfig } from "@/lib/config";
import { contentSecurityPolicy, strictTransportSecurity } from "@/lib/security/headers";

/**
 * Runs before every page and route: the per-request security headers (a CSP with a fresh
 * nonce), and the merchant area's first gate — no validly signed, unexpired session cookie, no
 * admin page, action or route. It needs no database: each of those checks again itself that the
 * session is still open (lib/server/auth.ts), so a signed-out cookie gets no further.
 */
export function proxy(request: NextRequest) {
  const config = loadConfig();
  const { pathname } = request.nextUrl;

  if (pathname.startsWith("/admin") && pathname !== "/admin/sign-in" && !verifySessionToken(config, request.cookies.get(ADMIN_COOKIE)?.value)) {
    if (request.headers.has("next-action") || pathname.startsWith("/admin/api/") || request.method !== "GET") {
      return NextResponse.json({ error: "sign in to the merchant area first" }, { status: 401 });
    }
    const signIn = new URL("/admin/sign-in", request.url);
    signIn.searchParams.set("next", pathname + request.nextUrl.search);
    return NextResponse.redirect(signIn, 303);
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

export const config = {
  // Pages and the merchant area, not build assets, public files or the shop's JSON API (webhooks
  // and polls need no CSP; the static headers of next.config.mjs still apply). /admin/api stays.
  // Public files live under /images/, a prefix no page uses: excluding a page's prefix (as
  // /products/ once was) would serve those pages without a CSP. /media/ is one route handler
  // (uploaded images) that sets its own, stricter CSP: the pages' one would replace it.
  matcher: [{ source: "/((?!_next/static|_next/image|favicon.ico|images/|media/|api/).*)" }],
};
