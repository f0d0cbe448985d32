import { sql } from "kysely";
import type { Db } from "../db";
import { metrics } from "../metrics";
import { clientOf, peerAddress } from "./peer";

/**
 * Rate limits kept in the database, so that every instance counts the same requests. A fixed
 * window per limit and client: simple, and generous enough that its edges do not matter here.
 * A per-client limit alone is no bound on anonymous traffic (addresses are many, and without a
 * proxy a client may be anyone), so the limits that guard refused webhooks and password guesses
 * also sit inside a shop-wide cap (`hitCappedLimit`). No cap refuses an honest shopper: new carts
 * are bounded by eviction instead (lib/cart), and past the sign-in cap each client still has a
 * check of its own (lib/auth/sign-in.ts).
 */
export interface RateLimit {
  name: string;
  limit: number;
  windowMs: number;
}

export const LIMITS = {
  /** "Pay with crypto" submissions per client (each may create a PayRam payment). */
  checkout: { name: "checkout", limit: 60, windowMs: 10 * 60_000 },
  /**
   * New PayRam payments per order (checkout and "Pay again" alike): each cancels the order's
   * previous one at PayRam, so a burst of them is abuse, whatever address it comes from.
   */
  paymentsPerOrder: { name: "payments_per_order", limit: 5, windowMs: 10 * 60_000 },
  /** Merchant sign-in attempts per client (and per browser that signed in before: lib/auth/sign-in.ts). */
  signIn: { name: "sign_in", limit: 10, windowMs: 15 * 60_000 },
  /**
   * Password checks for browsers that never signed in here, whatever their address, before the
   * shop counts them more strictly (lib/auth/sign-in.ts)…
   */
  signInShopWide: { name: "sign_in_shop", limit: 50, windowMs: 15 * 60_000 },
  /** …past which each such client has one check per quarter hour: a merchant on a new browser still gets in. */
  signInDuringFlood: { name: "sign_in_flood", limit: 1, windowMs: 15 * 60_000 },
  /** Webhook deliveries that fail authentication, per client. PayRam's own are never limited. */
  rejectedWebhooks: { name: "rejected_webhooks", limit: 30, windowMs: 60_000 },
  /** …and from all clients together: what refused traffic may write (rows beyond it are not kept). */
  rejectedWebhooksShopWide: { name: "rejected_webhooks_shop", limit: 60, windowMs: 60_000 },
  /** Copies of one authenticated delivery (same body): PayRam retries with pauses, a replay does not. */
  sameDelivery: { name: "same_delivery", limit: 10, windowMs: 10 * 60_000 },
  /**
   * Carts started per client (a cart starts with its first item). No shop-wide cap: the carts
   * table is bounded by evicting the carts idle longest (lib/cart MAX_CARTS), not by refusing.
   */
  newCarts: { name: "new_carts", limit: 20, windowMs: 10 * 60_000 },
  /** "How to pay" mails per recipient address: typing someone's address at checkout cannot flood them. */
  openedMails: { name: "opened_mails", limit: 5, windowMs: 60 * 60_000 },
  /** Answers to "Where should we send your refund?" per client, counted only for an order that owes a refund. */
  refundAddressAnswers: { name: "refund_address_answers", limit: 10, windowMs: 60 * 60_000 },
  /** "Confirm your refund address" mails per recipient address a day, whatever the order and the client. */
  refundAddressMails: { name: "refund_address_mails", limit: 5, windowMs: 24 * 60 * 60_000 },
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
  const allowed = row.count <= limit.limit;
  if (!allowed) metrics().rateLimitRefusals.inc({ limit: limit.name });
  return { allowed, retryAfterSeconds: retryAfter(limit, start, now) };
}

function retryAfter(limit: RateLimit, windowStart: number, now: number): number {
  return Math.max(1, Math.ceil((windowStart + limit.windowMs - now) / 1000));
}

/** The client of a shop-wide cap: every request counts against one bucket. */
export const SHOP_WIDE = "*";

export interface CappedVerdict extends RateVerdict {
  /** True when the shop-wide cap, not the client's own limit, said no. */
  capped: boolean;
}

/**
 * Counts one request of `client` against its own limit and against a shop-wide cap. Once the
 * cap is full, nothing more is written for the rest of its window but the cap's own counter
 * (one row, updated: its excess is what "Needs attention" reports), so clients with ever new
 * addresses cannot grow the table. A client over its own limit does not use up the cap, so one
 * noisy client cannot shut everyone else out.
 */
export async function hitCappedLimit(db: Db, own: RateLimit, cap: RateLimit, client: string, now = Date.now()): Promise<CappedVerdict> {
  const capStart = Math.floor(now / cap.windowMs) * cap.windowMs;
  const capRow = { bucket: `${cap.name}:${SHOP_WIDE}`, window_start: new Date(capStart).toISOString() };
  const full = { allowed: false, capped: true, retryAfterSeconds: retryAfter(cap, capStart, now) };
  const used = await db.selectFrom("rate_limits").select("count").where("bucket", "=", capRow.bucket).where("window_start", "=", capRow.window_start).executeTakeFirst();
  if (used && used.count >= cap.limit) {
    await db.updateTable("rate_limits").set((eb) => ({ count: eb("count", "+", 1) })).where("bucket", "=", capRow.bucket).where("window_start", "=", capRow.window_start).execute();
    metrics().rateLimitRefusals.inc({ limit: cap.name });
    return full;
  }
  const mine = await hitRateLimit(db, own, client, now);
  if (!mine.allowed) return { ...mine, capped: false };
  const shopWide = await hitRateLimit(db, cap, SHOP_WIDE, now);
  return shopWide.allowed ? { allowed: true, capped: false, retryAfterSeconds: 0 } : full;
}

/** How often a shop-wide cap was reached since `since`: windows in which it was, and requests it turned away. */
export async function capReached(db: Db, cap: RateLimit, since: Date): Promise<{ windows: number; turnedAway: number }> {
  const rows = await db
    .selectFrom("rate_limits")
    .select("count")
    .where("bucket", "=", `${cap.name}:${SHOP_WIDE}`)
    .where("window_start", ">=", since.toISOString())
    .where("count", ">", cap.limit)
    .execute();
  return { windows: rows.length, turnedAway: rows.reduce((sum, row) => sum + row.count - cap.limit, 0) };
}

/** Shop-wide counters stay this long after their window, for "Needs attention" (last 24 hours). */
export const CAP_HISTORY_MS = 25 * 60 * 60_000;

/**
 * Forgets windows that have ended: a client's as soon as its window is over, a shop-wide cap's
 * after CAP_HISTORY_MS, and any other bucket (a limit since removed) after that too. Returns
 * how many rows went.
 */
export async function deleteEndedWindows(db: Db, now = Date.now(), limits: readonly RateLimit[] = Object.values(LIMITS)): Promise<number> {
  let deleted = 0;
  for (const limit of limits) {
    const result = await db
      .deleteFrom("rate_limits")
      // LIKE with "_" and "%" escaped: "sign_in:%" must not match "sign_in_shop:*".
      .where(sql<boolean>`bucket like ${`${limit.name.replace(/[\\_%]/g, "\\$&")}:%`} escape '\\'`)
      .where("bucket", "!=", `${limit.name}:${SHOP_WIDE}`)
      .where("window_start", "<=", new Date(now - limit.windowMs).toISOString())
      .executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  const old = await db.deleteFrom("rate_limits").where("window_start", "<", new Date(now - CAP_HISTORY_MS).toISOString()).executeTakeFirst();
  return deleted + Number(old.numDeletedRows);
}

/** "3 minutes", "1 minute": how long a limited person waits, for the messages they read. */
export function waitInMinutes(verdict: RateVerdict): string {
  return waitIn(verdict, 60, "minute");
}

/** "3 hours", "1 hour": the wait of a daily cap, for the messages people read. */
export function waitInHours(verdict: RateVerdict): string {
  return waitIn(verdict, 3600, "hour");
}

/** The wait in whole minutes (or hours), rounded up: for messages put into words in the shopper's language. */
export function minutesToWait(verdict: RateVerdict): number {
  return Math.ceil(verdict.retryAfterSeconds / 60);
}

export function hoursToWait(verdict: RateVerdict): number {
  return Math.ceil(verdict.retryAfterSeconds / 3600);
}

function waitIn(verdict: RateVerdict, unitSeconds: number, unit: string): string {
  const count = Math.ceil(verdict.retryAfterSeconds / unitSeconds);
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

/**
 * The client, as rate limits know it. Behind N trusted reverse proxies, each appends the address
 * it saw to X-Forwarded-For, so the client is the N-th entry from the right; anything left of it
 * was written by the client and is not believed. With no proxy (N = 0) the header is the
 * client's own word (Next.js fills it only when it is missing) and is ignored: the client is the
 * connection's address (lib/security/peer.ts), or, where that is unknown (a custom server), one
 * identity shared by everyone. The shop says which at start (`describeClientIdentity`). An IPv6
 * client is its /64, for every per-client limit (`clientOf`).
 */
export function clientAddress(headers: Headers, trustedProxies: number): string {
  if (trustedProxies === 0) {
    const peer = peerAddress(headers);
    return peer ? clientOf(peer) : UNKNOWN_CLIENT;
  }
  const entries = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  const index = entries.length - trustedProxies;
  const entry = index >= 0 ? entries[index] : entries[0];
  return entry ? clientOf(entry) : UNKNOWN_CLIENT;
}

/** Every client whose address is not known: they share their limits. */
export const UNKNOWN_CLIENT = "unknown";

/** The start-up line that says whose word the rate limits take for a client's address. */
export function describeClientIdentity(trustedProxies: number): string {
  if (trustedProxies === 0) {
    return (
      "Rate limits know each client by its connection's address; X-Forwarded-For is ignored (TRUSTED_PROXY_COUNT=0). " +
      "Behind a reverse proxy every client would look the same: set TRUSTED_PROXY_COUNT to the number of proxies."
    );
  }
  const proxies = trustedProxies === 1 ? "the proxy" : `the last ${trustedProxies} proxies`;
  return (
    `Rate limits know each client by the address ${proxies} in front of the shop appended to X-Forwarded-For (TRUSTED_PROXY_COUNT=${trustedProxies}). ` +
    `Only ${proxies} may reach this server: anyone else can name any address.`
  );
}
