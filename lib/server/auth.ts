import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import { cookies, headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { loadConfig } from "../config";
import type { Db } from "../db";
import { getDb } from "./db";
import { recordAudit } from "../auth/audit";
import { mustSetUpSecondFactor } from "../auth/second-factor";
import { ADMIN_COOKIE, SESSION_TTL_MS } from "../auth/session";
import { liveSession, openSession, revokeSession, type LiveSession } from "../auth/session-store";
import { can, stepUpFresh, type Permission } from "../rules/roles";
import { clientAddress } from "../security/rate-limit";

/**
 * The merchant area's guard, used by every admin page, action and route (proxy.ts checks the
 * cookie's signature first, but only here are the session's row, its person and the person's role
 * checked: signed out, disabled or not allowed means exactly that, on the very next request).
 */

/** The request as the merchant area sees it: Next's own, or a test's (withRequestScope). */
export interface RequestScope {
  db: Db;
  headers: Headers;
  trustedProxyCount: number;
  /** The live session and its person, or null. */
  merchant: () => Promise<LiveSession | null>;
}

const testScope = new AsyncLocalStorage<RequestScope>();

/** Runs `fn` as if it were a request with this scope (tests walk the real actions and routes with it). */
export function withRequestScope<T>(scope: RequestScope, fn: () => Promise<T>): Promise<T> {
  return testScope.run(scope, fn);
}

export async function requestScope(): Promise<RequestScope> {
  const given = testScope.getStore();
  if (given) return given;
  return { db: getDb(), headers: await headers(), trustedProxyCount: loadConfig().trustedProxyCount, merchant: currentSession };
}

// Once per request (React's cache): a page, its layout and their reads see one answer.
const currentSession = cache(async (): Promise<LiveSession | null> => liveSession(getDb(), loadConfig(), (await cookies()).get(ADMIN_COOKIE)?.value));

/** The signed-in person's live session, or null. */
export async function currentMerchant(): Promise<LiveSession | null> {
  return (await requestScope()).merchant();
}

export async function isSignedIn(): Promise<boolean> {
  return (await currentMerchant()) !== null;
}

/**
 * For pages: anyone not signed in goes to the sign-in page; a person the shop requires a second
 * factor of, without one, goes to set it up; one whose role lacks the permission gets "not found".
 */
export async function requireMerchantPage(permission: Permission, options: { enrolling?: boolean } = {}): Promise<LiveSession> {
  const merchant = await currentMerchant();
  if (!merchant) redirect("/admin/sign-in");
  if (!options.enrolling && (await mustSetUpSecondFactor(getDb(), merchant.secondFactor))) redirect("/admin/security?required=1");
  if (!can(merchant.person.role, permission)) notFound();
  return merchant;
}

/**
 * For route handlers, the same door as pages and actions: a 401 or 403 answer (the refusal
 * audited), or null when allowed. Refused: no live session, a role without the permission, or a
 * person without a second factor when the shop requires one of everyone.
 */
export async function merchantRouteRefusal(permission: Permission, action: string): Promise<Response | null> {
  const scope = await requestScope();
  const merchant = await scope.merchant();
  if (!merchant) return Response.json({ error: "sign in to the merchant area first" }, { status: 401 });
  const refusal = !can(merchant.person.role, permission)
    ? { detail: `needs ${permission}`, error: "your role does not allow this" }
    : (await mustSetUpSecondFactor(scope.db, merchant.secondFactor))
      ? { detail: "the shop requires a second factor", error: "the shop requires a second factor: set one up on the Security page first" }
      : null;
  if (!refusal) return null;
  await recordAudit(scope.db, { person: merchant.person, action, outcome: "refused", detail: refusal.detail, address: clientAddress(scope.headers, scope.trustedProxyCount) });
  return Response.json({ error: refusal.error }, { status: 403 });
}

export async function startSession(personId: string, secondFactor: boolean, client: string): Promise<void> {
  const config = loadConfig();
  const userAgent = (await headers()).get("user-agent");
  const token = await openSession(getDb(), config, { personId, userAgent, address: client, secondFactorAt: secondFactor ? Date.now() : null });
  (await cookies()).set(ADMIN_COOKIE, token, {
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

/** For pages: whether a money action would need a code now (none entered in this session in the last five minutes). */
export function stepUpIsFresh(merchant: LiveSession): boolean {
  return stepUpFresh(merchant.secondFactorAt, Date.now());
}
