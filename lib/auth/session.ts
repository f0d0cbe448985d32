import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The merchant's session cookie (httpOnly, SameSite=Strict): `<session id>.<expires ms>.<mac>`.
 * The id names a row in `admin_sessions` (session-store.ts), which names its person; sign-out,
 * disabling the person or a new password revokes it. The MAC is keyed with the session secret.
 * This file needs no database: proxy.ts, the first gate, checks only the signature and the
 * expiry; pages, actions and routes also check the row and the person's role (lib/server/auth.ts).
 */
export const ADMIN_COOKIE = "shop_admin";
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;

/** What signs a session: from the validated configuration. */
export interface SessionKeys {
  sessionSecret: string;
}

export interface SessionClaims {
  id: string;
  expiresAt: number;
}

/** A MAC under the session secret, for one purpose (a session, a known browser). */
export function macFor(keys: SessionKeys, purpose: string, payload: string): string {
  return createHmac("sha256", keys.sessionSecret).update(`${purpose}:${payload}`).digest("base64url");
}

function mac(keys: SessionKeys, payload: string): string {
  return macFor(keys, "admin-session", payload);
}

/** A fresh, unguessable session id (the primary key of its admin_sessions row). */
export function newSessionId(): string {
  return randomBytes(18).toString("base64url");
}

export function createSessionToken(keys: SessionKeys, claims: SessionClaims): string {
  const payload = `${claims.id}.${claims.expiresAt}`;
  return `${payload}.${mac(keys, payload)}`;
}

/** The claims of an untampered, unexpired token signed with these keys; null otherwise. */
export function readSessionToken(keys: SessionKeys, token: string | undefined, now = Date.now()): SessionClaims | null {
  if (!token) return null;
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [id, expires, given] = parts as [string, string, string];
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(id) || !/^\d{13,15}$/.test(expires) || Number(expires) <= now) return null;
  const expected = Buffer.from(mac(keys, `${id}.${expires}`));
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return null;
  return { id, expiresAt: Number(expires) };
}

/** True for an untampered token that has not expired: the first gate's check (proxy.ts). */
export function verifySessionToken(keys: SessionKeys, token: string | undefined, now = Date.now()): boolean {
  return readSessionToken(keys, token, now) !== null;
}

/** Two secrets compared in constant time, whatever their lengths (a bearer token against METRICS_TOKEN). */
export function secretMatches(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}
