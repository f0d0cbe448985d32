import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The merchant's session: a signed, expiring token in an httpOnly, SameSite=Strict cookie.
 * `<expires ms>.<nonce>.<HMAC-SHA256(session secret)>`; no server-side state, so every instance
 * can check it (proxy.ts, pages, actions and routes all do).
 */
export const ADMIN_COOKIE = "shop_admin";
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;

function mac(secret: string, payload: string): string {
  return createHmac("sha256", secret).update(`admin-session:${payload}`).digest("base64url");
}

export function createSessionToken(secret: string, now = Date.now()): string {
  const payload = `${now + SESSION_TTL_MS}.${randomBytes(12).toString("base64url")}`;
  return `${payload}.${mac(secret, payload)}`;
}

/** True for an untampered token that has not expired. */
export function verifySessionToken(secret: string, token: string | undefined, now = Date.now()): boolean {
  if (!token) return false;
  const parts = token.split(".");
  if (parts.length !== 3) return false;
  const [expires, nonce, given] = parts as [string, string, string];
  if (!/^\d{13,}$/.test(expires) || Number(expires) <= now) return false;
  const expected = Buffer.from(mac(secret, `${expires}.${nonce}`));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Compares passwords in constant time, whatever their lengths (both are hashed first). */
export function passwordMatches(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}
