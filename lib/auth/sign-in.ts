import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Db } from "../db";
import { hitCappedLimit, hitRateLimit, LIMITS, waitInMinutes } from "../security/rate-limit";
import { macWithPassword, passwordMatches, type SessionKeys } from "./session";

/**
 * How the merchant's password is kept from being guessed, without letting a guesser lock the
 * merchant out.
 *
 * A password check cannot both refuse wrong guesses unchecked and let the right one in: letting
 * the right one in is what answers a guess. So what sets the merchant apart must be something a
 * guesser cannot have: a "known browser" cookie, signed with SESSION_SECRET, that a browser
 * receives when it signs in. Such a browser has a limit of its own (LIMITS.signIn per browser)
 * and is never held up by anyone else's failures. Every other attempt counts against its
 * address (LIMITS.signIn) and against one shop-wide budget (LIMITS.signInShopWide, 50 checks a
 * quarter of an hour); once that is spent, passwords from unknown browsers are not checked at
 * all until the window ends: a delay of at most 15 minutes for a merchant on a new browser
 * during an attack, never a ban, and at most 4,800 guesses a day for the attacker, whatever
 * addresses or headers they use.
 */
export const KNOWN_BROWSER_COOKIE = "shop_admin_browser";
export const KNOWN_BROWSER_TTL_DAYS = 365;

/** Tied to the password too: after a password change, no browser is known any more. */
const mac = (keys: SessionKeys, id: string) => macWithPassword(keys, "admin-known-browser", id);

export function createKnownBrowserToken(keys: SessionKeys): string {
  const id = randomBytes(16).toString("base64url");
  return `${id}.${mac(keys, id)}`;
}

/** The browser's id when the token is one this shop signed under today's password, else null. */
export function knownBrowserId(keys: SessionKeys, token: string | undefined): string | null {
  const match = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(token ?? "");
  if (!match) return null;
  const [, id, given] = match as unknown as [string, string, string];
  const expected = Buffer.from(mac(keys, id));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected) ? id : null;
}

export interface SignInAttempt {
  password: string;
  /** The client's address (lib/security/rate-limit.ts clientAddress). */
  client: string;
  /** The known-browser cookie, if the browser sent one. */
  knownBrowser: string | undefined;
}

export type SignInOutcome =
  | { ok: true; /** A known-browser token to set when the browser has none (or a forged one). */ knownBrowser: string | null }
  | { ok: false; error: string };

export async function attemptSignIn(
  db: Db,
  keys: { adminPassword: string; sessionSecret: string },
  attempt: SignInAttempt,
  now = Date.now(),
): Promise<SignInOutcome> {
  const browser = knownBrowserId(keys, attempt.knownBrowser);
  const verdict = browser
    ? { ...(await hitRateLimit(db, LIMITS.signIn, `browser:${browser}`, now)), capped: false }
    : await hitCappedLimit(db, LIMITS.signIn, LIMITS.signInShopWide, attempt.client, now);
  if (!verdict.allowed) {
    return {
      ok: false,
      error: verdict.capped
        ? `Too many failed sign-ins to this shop. Try again in ${waitInMinutes(verdict)}; a browser that has signed in here before can sign in now.`
        : `Too many sign-in attempts. Try again in ${waitInMinutes(verdict)}.`,
    };
  }
  if (!passwordMatches(attempt.password, keys.adminPassword)) return { ok: false, error: "That password is not right." };
  return { ok: true, knownBrowser: browser ? null : createKnownBrowserToken(keys) };
}
