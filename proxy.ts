import { NextResponse, type NextRequest } from "next/server";
import { ADMIN_COOKIE, verifySessionToken } from "@/lib/admin/session";
import { loadConfig } from "@/lib/config";

/**
 * The merchant area's first gate: no valid session, no admin page, action or route. Pages
 * redirect to the sign-in page; server actions and API routes get 401. Each page, action and
 * route checks again itself (lib/admin/auth.ts).
 */
export function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;
  if (pathname === "/admin/sign-in") return NextResponse.next();
  if (verifySessionToken(loadConfig().sessionSecret, request.cookies.get(ADMIN_COOKIE)?.value)) return NextResponse.next();
  const isAction = request.headers.has("next-action");
  if (isAction || pathname.startsWith("/admin/api/") || request.method !== "GET") {
    return NextResponse.json({ error: "sign in to the merchant area first" }, { status: 401 });
  }
  const signIn = new URL("/admin/sign-in", request.url);
  signIn.searchParams.set("next", pathname + request.nextUrl.search);
  return NextResponse.redirect(signIn, 303);
}

export const config = { matcher: ["/admin", "/admin/:path*"] };
