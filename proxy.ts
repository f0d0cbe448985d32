import { readFileSync } from "node:fs";
import { join } from "node:path";
import { NextResponse, type NextRequest } from "next/server";
import { ADMIN_COOKIE, verifySessionToken } from "@/lib/auth/session";
import { loadConfig } from "@/lib/config";
import { errorMessage, log } from "@/lib/log";
import { contentSecurityPolicy, strictTransportSecurity } from "@/lib/security/headers";
import { bodyRefusal, pageOwnsAction, type ActionManifest } from "@/lib/security/request-gate";
import { DEFAULT_LOCALE, isLocale, isLocalizedPath, localizedPath, LOCALE_COOKIE, LOCALE_PARAM, negotiateLocale, splitLocalePrefix, type Locale } from "@/lib/rules/locales";

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

  // The shopper's language (issue 31): from the URL's prefix on the shop's pages (/es/…), else
  // the cookie, else Accept-Language. `?hl=xx` on any shopper page changes and remembers it.
  const language = pathname.startsWith("/admin") ? { locale: DEFAULT_LOCALE, from: "merchant" as const, path: pathname } : shopperLanguage(request);
  if (language instanceof NextResponse) return language;
  const pagePath = language.path;

  // (After the merchant area's gate: without a session, any action there is 401, whatever its id.)
  // An action the page does not hold: Next would forward it to itself (issue 29.8). Answered as
  // Next answers an unknown action (409 and its marker: the browser reports a stale page).
  const actionId = request.headers.get("next-action");
  const manifest = actionId !== null && request.method === "POST" && config.nodeEnv === "production" ? actionManifest() : null;
  if (actionId !== null && manifest && !pageOwnsAction(manifest, actionId, pagePath)) {
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
  // For i18n/request.ts (the page's language) and the pages' hreflang links; a client's own
  // values for these headers are replaced here.
  requestHeaders.set("x-locale", language.locale);
  requestHeaders.set("x-locale-from", language.from);
  requestHeaders.set("x-page-path", pagePath);
  const response =
    pagePath === pathname
      ? NextResponse.next({ request: { headers: requestHeaders } })
      : NextResponse.rewrite(new URL(pagePath + request.nextUrl.search, request.url), { request: { headers: requestHeaders } });
  if (language.from === "url" && request.cookies.get(LOCALE_COOKIE)?.value !== language.locale) rememberLocale(response, language.locale);
  response.headers.set("Content-Security-Policy", csp);
  const hsts = strictTransportSecurity(config.appBaseUrl, config.nodeEnv === "production");
  if (hsts) response.headers.set("Strict-Transport-Security", hsts);
  return response;
}

type Language = { locale: Locale; from: "url" | "cookie" | "browser" | "merchant"; path: string };

/**
 * The shopper's language for this request and the page's path without its locale prefix — or the
 * redirect to the URL that carries it: `?hl=xx` (the switcher) sets the cookie and lands on the
 * page's URL in that language; `/en/…` is the unprefixed English URL; a shop page asked for
 * without a prefix by someone whose language is another goes to that language's URL.
 */
function shopperLanguage(request: NextRequest): Language | NextResponse {
  const { pathname, searchParams } = request.nextUrl;
  const reading = request.method === "GET" && !request.headers.has("next-action");
  const prefixed = splitLocalePrefix(pathname);
  const path = prefixed?.rest ?? pathname;
  const chosen = searchParams.get(LOCALE_PARAM);
  if (reading && isLocale(chosen)) {
    const target = new URL(localizedPath(chosen, path), request.url);
    for (const [key, value] of searchParams) if (key !== LOCALE_PARAM) target.searchParams.append(key, value);
    return rememberLocale(NextResponse.redirect(target, 303), chosen);
  }
  if (prefixed && (prefixed.locale === DEFAULT_LOCALE || !isLocalizedPath(path))) {
    if (!reading) return { locale: prefixed.locale, from: "url", path };
    const target = new URL(path + request.nextUrl.search, request.url);
    return rememberLocale(NextResponse.redirect(target, 308), prefixed.locale);
  }
  if (prefixed) return { locale: prefixed.locale, from: "url", path };
  const remembered = request.cookies.get(LOCALE_COOKIE)?.value;
  const language: Language = isLocale(remembered) ? { locale: remembered, from: "cookie", path } : { locale: negotiateLocale(request.headers.get("accept-language")), from: "browser", path };
  if (reading && language.locale !== DEFAULT_LOCALE && isLocalizedPath(pathname)) {
    const target = new URL(localizedPath(language.locale, pathname) + request.nextUrl.search, request.url);
    return NextResponse.redirect(target, 307);
  }
  return language;
}

/** The shopper's language, remembered for a year (not a secret: readable, site-wide). */
function rememberLocale(response: NextResponse, locale: Locale): NextResponse {
  response.cookies.set(LOCALE_COOKIE, locale, { path: "/", maxAge: 365 * 24 * 60 * 60, sameSite: "lax" });
  return response;
}

let manifest: ActionManifest | null | undefined;

/** The production build's action manifest (which pages hold each action), read once; null if unreadable. */
function actionManifest(): ActionManifest | null {
  if (manifest === undefined) {
    let problem = "it has no node actions";
    try {
      const parsed = JSON.parse(readFileSync(join(process.cwd(), ".next", "server", "server-reference-manifest.json"), "utf8")) as Partial<ActionManifest>;
      manifest = parsed.node && typeof parsed.node === "object" ? { node: parsed.node } : null;
    } catch (error) {
      manifest = null;
      problem = errorMessage(error);
    }
    // Said once: the check is off, and a new Next version's manifest format is the likely cause.
    if (manifest === null) log.warn({ event: "action_manifest", problem }, "the build's action manifest could not be read: actions posted to a page that does not hold them reach Next unchecked");
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
