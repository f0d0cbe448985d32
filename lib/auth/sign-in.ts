import { randomBytes, timingSafeEqual } from "node:crypto";
import type { RelyingParty } from "../config";
import type { Db } from "../db";
import { hasSecondFactor } from "../rules/roles";
import { hitCappedLimit, hitRateLimit, LIMITS, waitInMinutes } from "../security/rate-limit";
import { authenticationOptions, type PublicKeyCredentialRequestOptionsJSON } from "./passkeys";
import { checkPassword, type Person } from "./people";
import { proveSecondFactor, secondFactorMethods } from "./second-factor";
import { macFor, type SessionKeys } from "./session";

/**
 * How the merchant's password is kept from being guessed, without letting a guesser lock the
 * merchant out.
 *
 * A password check cannot both refuse wrong guesses unchecked and let the right one in: letting
 * the right one in is what answers a guess. So no cap may refuse every check, and what sets the
 * merchant apart is what a guesser does not have:
 *
 * - A "known browser" cookie, signed with SESSION_SECRET, that a browser receives when it signs
 *   in. Such a browser has a limit of its own (LIMITS.signIn per browser) and is never held up by
 *   anyone else's failures.
 * - An address (an IPv4 address, an IPv6 /64) that has not been guessing. Every other attempt
 *   counts against its client (LIMITS.signIn, 10 a quarter hour) and against one shop-wide budget
 *   (LIMITS.signInShopWide, 50 checks a quarter hour). Once that is spent, the shop is being
 *   guessed at from many addresses, and each client has one check left for the rest of the
 *   window (LIMITS.signInDuringFlood), still within its own 10. The merchant on a new browser,
 *   from their own network, gets in at the first right attempt; a mistyped one makes them wait
 *   until the window ends (at most 15 minutes), or use a known browser. A guesser gets 1 check
 *   per quarter hour for each address past the first 50: 96 a day per address instead of 960,
 *   which is why ADMIN_PASSWORD must be long and unique.
 */
export const KNOWN_BROWSER_COOKIE = "shop_admin_browser";
export const KNOWN_BROWSER_TTL_DAYS = 365;

const mac = (keys: SessionKeys, id: string) => macFor(keys, "admin-known-browser", id);

export function createKnownBrowserToken(keys: SessionKeys): string {
  const id = randomBytes(16).toString("base64url");
  return `${id}.${mac(keys, id)}`;
}

/** The browser's id when the token is one this shop signed, else null. */
export function knownBrowserId(keys: SessionKeys, token: string | undefined): string | null {
  const match = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(token ?? "");
  if (!match) return null;
  const [, id, given] = match as unknown as [string, string, string];
  const expected = Buffer.from(mac(keys, id));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected) ? id : null;
}

export interface SignInAttempt {
  email: string;
  password: string;
  /** The second factor, when the form asked for it: a TOTP code or a recovery code… */
  code?: string;
  /** …or a passkey's answer (JSON) to the challenge the form was given. */
  passkey?: string;
  /** The client's address (lib/security/rate-limit.ts clientAddress). */
  client: string;
  /** The known-browser cookie, if the browser sent one. */
  knownBrowser: string | undefined;
}

export type SignInOutcome =
  | {
      ok: true;
      person: Person;
      /** What second factor was given (null: none, the person has none): money actions are open for five minutes. */
      secondFactor: string | null;
      /** A known-browser token to set when the browser has none (or a forged one). */
      knownBrowser: string | null;
    }
  | { ok: false; error: string; /** The password was right: ask for the second factor. */ secondStep?: SecondStep };

/** The sign-in's second step: a code field when the person has an authenticator app, a passkey button when they have passkeys. */
export interface SecondStep {
  app: boolean;
  /** The challenge for the person's passkeys (bound to them, single-use, five minutes). */
  passkey: PublicKeyCredentialRequestOptionsJSON | null;
}

export const WRONG_PASSWORD = "That email or password is not right.";

export async function attemptSignIn(
  db: Db,
  keys: SessionKeys & { passkeys: RelyingParty },
  attempt: SignInAttempt,
  now = Date.now(),
): Promise<SignInOutcome> {
  const browser = knownBrowserId(keys, attempt.knownBrowser);
  const verdict = browser
    ? { ...(await hitRateLimit(db, LIMITS.signIn, `browser:${browser}`, now)), capped: false }
    : await hitCappedLimit(db, LIMITS.signIn, LIMITS.signInShopWide, attempt.client, now);
  if (!verdict.allowed && !verdict.capped) return { ok: false, error: `Too many sign-in attempts. Try again in ${waitInMinutes(verdict)}.` };
  if (!verdict.allowed) {
    // The shop-wide budget is spent: this client still has its one check of the window, if its
    // own limit allows it (hitCappedLimit did not count a capped attempt against it).
    const flood = await hitRateLimit(db, LIMITS.signInDuringFlood, attempt.client, now);
    const own = flood.allowed ? await hitRateLimit(db, LIMITS.signIn, attempt.client, now) : flood;
    if (!own.allowed) {
      return {
        ok: false,
        error: `Too many failed sign-ins to this shop. Try again in ${waitInMinutes(verdict)}; a browser that has signed in here before can sign in now.`,
      };
    }
  }
  const person = await checkPassword(db, attempt.email, attempt.password);
  if (!person) return { ok: false, error: WRONG_PASSWORD };
  const methods = await secondFactorMethods(db, person);
  let secondFactor: string | null = null;
  if (hasSecondFactor(methods)) {
    // Each answer asking for the second step carries a fresh passkey challenge (the last one may be spent).
    const ask = async (error: string): Promise<SignInOutcome> => ({
      ok: false,
      error,
      secondStep: { app: methods.app, passkey: methods.passkey ? await authenticationOptions(db, keys.passkeys, { personId: person.id, sessionId: null }, "sign-in", now) : null },
    });
    const proof = { code: attempt.code?.trim() || null, passkey: attempt.passkey || null };
    if (!proof.code && !proof.passkey) return ask(methods.app ? `Enter the code from your authenticator app (or a recovery code)${methods.passkey ? ", or use a passkey" : ""}.` : "Use your passkey to finish signing in.");
    const proved = await proveSecondFactor(db, keys.passkeys, { person, sessionId: null, purpose: "sign-in", address: attempt.client }, proof, now);
    if (!proved.ok) return ask(proved.error);
    secondFactor = proved.how;
  }
  return { ok: true, person, secondFactor, knownBrowser: browser ? null : createKnownBrowserToken(keys) };
}
