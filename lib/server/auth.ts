import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { loadConfig } from "../config";
import { getDb } from "./db";
import { ADMIN_COOKIE, SESSION_TTL_MS } from "../auth/session";
import { openSession, revokeSession, sessionIsLive } from "../auth/session-store";

/**
 * The merchant area's guard, used by every admin page, action and route (proxy.ts checks the
 * signature first, but only here is the session's row checked: signed out means signed out).
 */
export async function isSignedIn(): Promise<boolean> {
  return sessionIsLive(getDb(), loadConfig(), (await cookies()).get(ADMIN_COOKIE)?.value);
}

/** For pages: anyone not signed in goes to the sign-in page. */
export async function requireAdminPage(): Promise<void> {
  if (!(await isSignedIn())) redirect("/admin/sign-in");
}

/** For route handlers: a 401 answer, or null when signed in. */
export async function adminRouteRefusal(): Promise<Response | null> {
  if (await isSignedIn()) return null;
  return Response.json({ error: "sign in to the merchant area first" }, { status: 401 });
}

export async function startSession(): Promise<void> {
  const config = loadConfig();
  (await cookies()).set(ADMIN_COOKIE, await openSession(getDb(), config), {
    httpOnly: true,
    sameSite: "strict",
    secure: config.nodeEnv === "production" && config.appBaseUrl.startsWith("https:"),
    path: "/",
    maxAge: SESSION_TTL_MS / 1000,
  });
}

/** Revokes the session on the server (a kept copy of the cookie stops working), then drops the cookie. */
export async function endSession(): Promise<void> {
  const jar = await cookies();
  await revokeSession(getDb(), loadConfig(), jar.get(ADMIN_COOKIE)?.value);
  jar.delete(ADMIN_COOKIE);
}
