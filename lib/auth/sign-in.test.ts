import { beforeAll, expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { TEST_RELYING_PARTY } from "@/test/webauthn";
import { LIMITS } from "../security/rate-limit";
import { createPerson } from "./people";
import { attemptSignIn, createKnownBrowserToken, knownBrowserId, WRONG_PASSWORD } from "./sign-in";

const keys = { sessionSecret: "s".repeat(40), passkeys: TEST_RELYING_PARTY };
const OWNER = { email: "owner@example.com", password: "the merchant's long password" };

it("knows only the browsers it signed in itself", () => {
  const token = createKnownBrowserToken(keys);
  expect(knownBrowserId(keys, token)).toMatch(/^[A-Za-z0-9_-]{22}$/);
  expect(knownBrowserId({ ...keys, sessionSecret: "another secret, 32 characters long.." }, token)).toBeNull();
  expect(knownBrowserId(keys, `${token.slice(0, 22)}.${"A".repeat(43)}`)).toBeNull();
  expect(knownBrowserId(keys, undefined)).toBeNull();
});

describeOnEachDatabase("merchant sign-in", (get) => {
  const signIn = (password: string, client: string, now: number, knownBrowser?: string) => attemptSignIn(get().db, keys, { email: OWNER.email, password, client, knownBrowser }, now);
  beforeAll(async () => {
    await createPerson(get().db, { email: OWNER.email, role: "owner", password: OWNER.password });
  });

  it("gives an address 10 tries per quarter hour", async () => {
    const now = Date.parse("2026-11-26T09:00:00.000Z");
    const errors = [];
    for (let i = 0; i < LIMITS.signIn.limit + 1; i++) errors.push(((await signIn(`guess ${i}`, "192.0.2.1", now)) as { error: string }).error);
    expect(errors.slice(0, -1).every((error) => error === WRONG_PASSWORD)).toBe(true);
    expect(errors.at(-1)).toBe("Too many sign-in attempts. Try again in 15 minutes.");
    // Right password, same address: still waits.
    expect(await signIn(OWNER.password, "192.0.2.1", now)).toMatchObject({ ok: false });
    expect(await signIn(OWNER.password, "192.0.2.2", now)).toMatchObject({ ok: true, knownBrowser: expect.any(String) });
  });

  it("checks at most 50 passwords a quarter hour from unknown browsers, then one per address: strangers guessing from everywhere never keep the merchant out", async () => {
    const now = Date.parse("2026-11-26T10:05:00.000Z");
    const capped = "Too many failed sign-ins to this shop. Try again in 10 minutes; a browser that has signed in here before can sign in now.";
    const answers = [];
    // 70 guesses, each from a network of its own (an IPv6 /64 each: what rotating X-Forwarded-For amounted to).
    for (let i = 0; i < 70; i++) answers.push(await signIn(`guess ${i}`, `2001:db8:${i.toString(16)}::/64`, now));
    // Past the shop-wide 50, each address still has its one check of the quarter hour, and no more.
    expect(answers.every((a) => !a.ok && a.error === WRONG_PASSWORD)).toBe(true);
    for (let i = 50; i < 70; i += 5) expect(await signIn(`again ${i}`, `2001:db8:${i.toString(16)}::/64`, now)).toEqual({ ok: false, error: capped });
    // (One that guessed before the budget was spent has that one check too, then waits.)
    expect(await signIn("again", "2001:db8:0::/64", now)).toEqual({ ok: false, error: WRONG_PASSWORD });
    expect(await signIn(OWNER.password, "2001:db8:0::/64", now)).toEqual({ ok: false, error: capped });
    // The merchant on a new browser, from an address that did not guess, gets in with the right password…
    expect(await signIn(OWNER.password, "192.0.2.50", now)).toMatchObject({ ok: true, knownBrowser: expect.any(String) });
    // …but one mistyped attempt during the flood spends that address's check until the window ends.
    expect(await signIn("a typo", "192.0.2.51", now)).toEqual({ ok: false, error: WRONG_PASSWORD });
    expect(await signIn(OWNER.password, "192.0.2.51", now)).toEqual({ ok: false, error: capped });
    expect(await signIn(OWNER.password, "192.0.2.51", now + 10 * 60_000)).toMatchObject({ ok: true });
    // An address over its own limit before the flood does not get a check more from it.
    for (let i = 0; i < LIMITS.signIn.limit; i++) await signIn(`guess ${i}`, "192.0.2.52", now + 10 * 60_000);
    for (let i = 0; i < LIMITS.signInShopWide.limit; i++) await signIn(`flood ${i}`, `2001:db8:1:${i.toString(16)}::/64`, now + 10 * 60_000);
    expect(await signIn(OWNER.password, "192.0.2.52", now + 10 * 60_000)).toMatchObject({ ok: false });
  });

  it("lets a browser that signed in before in during such an attack, on its own limit; a made-up cookie is an unknown browser", async () => {
    const now = Date.parse("2026-11-26T11:00:00.000Z");
    const first = await signIn(OWNER.password, "192.0.2.60", now - 30 * 60_000);
    if (!first.ok || !first.knownBrowser) throw new Error("the first sign-in failed");
    for (let i = 0; i < 60; i++) await signIn(`guess ${i}`, `2001:db8:2:${i.toString(16)}::/64`, now);
    expect(await signIn("a typo", "192.0.2.61", now)).toMatchObject({ ok: false, error: WRONG_PASSWORD });
    expect(await signIn(OWNER.password, "192.0.2.61", now)).toMatchObject({ ok: false, error: expect.stringMatching(/^Too many failed sign-ins/) });
    expect(await signIn(OWNER.password, "192.0.2.61", now, first.knownBrowser)).toMatchObject({ ok: true, knownBrowser: null });
    expect(await signIn(OWNER.password, "192.0.2.61", now, createKnownBrowserToken({ ...keys, sessionSecret: "a secret the shop does not use, 32+ chars" }))).toMatchObject({ ok: false });
    // Someone who copied the cookie still gets only 10 tries per quarter hour (the merchant used one).
    const copied = [];
    for (let i = 1; i < LIMITS.signIn.limit; i++) copied.push(await signIn(`guess ${i}`, "203.0.113.9", now, first.knownBrowser));
    expect(copied.every((a) => !a.ok && a.error === WRONG_PASSWORD)).toBe(true);
    expect(await signIn(OWNER.password, "203.0.113.9", now, first.knownBrowser)).toMatchObject({ ok: false, error: expect.stringMatching(/^Too many sign-in attempts/) });
  });
});
