import type { Db } from "../db";

/**
 * Rate limits kept in the database, so that every instance counts the same requests. A fixed
 * window per limit and client: simple, and generous enough that its edges do not matter here.
 */
export interface RateLimit {
  name: string;
  limit: number;
  windowMs: number;
}

export const LIMITS = {
  /** "Pay with crypto" submissions per client (each may create a PayRam payment). */
  checkout: { name: "checkout", limit: 60, windowMs: 10 * 60_000 },
  /** Merchant sign-in attempts per client. */
  signIn: { name: "sign_in", limit: 10, windowMs: 15 * 60_000 },
  /** Webhook deliveries that fail authentication, per client. PayRam's own are never limited. */
  rejectedWebhooks: { name: "rejected_webhooks", limit: 30, windowMs: 60_000 },
} satisfies Record<string, RateLimit>;

export interface RateVerdict {
  allowed: boolean;
  /** Seconds until the window ends (for Retry-After). */
  retryAfterSeconds: number;
}

/** Counts one request of `client` against `limit`. */
export async function hitRateLimit(db: Db, limit: RateLimit, client: string, now = Date.now()): Promise<RateVerdict> {
  const start = Math.floor(now / limit.windowMs) * limit.windowMs;
  const row = await db
    .insertInto("rate_limits")
    .values({ bucket: `${limit.name}:${client}`, window_start: new Date(start).toISOString(), count: 1 })
    .onConflict((oc) => oc.columns(["bucket", "window_start"]).doUpdateSet((eb) => ({ count: eb("rate_limits.count", "+", 1) })))
    .returning("count")
    .executeTakeFirstOrThrow();
  // Now and then, forget windows that ended long ago.
  if (Math.random() < 0.01) {
    await db.deleteFrom("rate_limits").where("window_start", "<", new Date(now - 24 * 60 * 60_000).toISOString()).execute();
  }
  return { allowed: row.count <= limit.limit, retryAfterSeconds: Math.max(1, Math.ceil((start + limit.windowMs - now) / 1000)) };
}

/** "3 minutes", "1 minute": how long a limited person waits, for the messages they read. */
export function waitInMinutes(verdict: RateVerdict): string {
  const minutes = Math.ceil(verdict.retryAfterSeconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

/**
 * The client's address. Behind N trusted reverse proxies, each appends the address it saw to
 * X-Forwarded-For, so the client is the N-th entry from the right; anything left of it was
 * written by the client and is not believed. With no proxy (N = 0) Next.js fills the header with
 * the peer's address when the request has none, so its last entry is used — a client can forge
 * that header when the shop faces the internet directly, which is why production belongs behind
 * a proxy (README, "Deploying").
 */
export function clientAddress(headers: Headers, trustedProxies: number): string {
  const entries = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  const index = entries.length - Math.max(1, trustedProxies);
  return (index >= 0 ? entries[index] : entries[0])?.slice(0, 64) || "unknown";
}
