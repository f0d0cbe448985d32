import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { loadConfig } from "../config";
import { ADMIN_COOKIE, createSessionToken, SESSION_TTL_MS, verifySessionToken } from "./session";

/**
 * The merchant area's guard, used by every admin page, action and route (proxy.ts checks first,
 * but a server action is a public endpoint of its own and must check again).
 */
export async function isSignedIn(): Promise<boolean> {
  return verifySessionToken(loadConfig().sessionSecret, (await cookies()).get(ADMIN_COOKIE)?.value);
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
  (await cookies()).set(ADMIN_COOKIE, createSessionToken(config.sessionSecret), {
    httpOnly: true,
    sameSite: "strict",
    secure: config.nodeEnv === "production" && config.appBaseUrl.startsWith("https:"),
    path: "/",
    maxAge: SESSION_TTL_MS / 1000,
  });
}

export async function endSession(): Promise<void> {
  (await cookies()).delete(ADMIN_COOKIE);
}
