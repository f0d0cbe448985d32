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

/**
 * Slows down guessing: after a few wrong passwords from one client, each further try must wait,
 * doubling up to a minute. Kept per process (database-backed limits come with hardening).
 */
export class SignInThrottle {
  private failures = new Map<string, { count: number; blockedUntil: number }>();

  constructor(private readonly freeTries = 3, private readonly maxWaitMs = 60_000) {}

  /** Milliseconds this client must still wait before trying again (0 = may try). */
  waitMs(client: string, now = Date.now()): number {
    const entry = this.failures.get(client);
    return entry ? Math.max(0, entry.blockedUntil - now) : 0;
  }

  fail(client: string, now = Date.now()): void {
    const count = (this.failures.get(client)?.count ?? 0) + 1;
    const wait = count <= this.freeTries ? 0 : Math.min(this.maxWaitMs, 1_000 * 2 ** (count - this.freeTries - 1));
    this.failures.set(client, { count, blockedUntil: now + wait });
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  succeed(client: string): void {
    this.failures.delete(client);
  }
}
