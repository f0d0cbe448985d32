import { beforeAll, expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { SoftAuthenticator, TEST_RELYING_PARTY as RP } from "@/test/webauthn";
import { authenticationOptions, CHALLENGE_TTL_MS, listPasskeys, registerPasskey, registrationOptions, removePasskey, verifyPasskey, type PasskeyUse } from "./passkeys";
import { createPerson, type Person } from "./people";
import { resetSecondFactor, secondFactorMethods } from "./second-factor";
import { attemptSignIn } from "./sign-in";

/**
 * Passkeys as a second factor (issue 30), with real WebAuthn answers from a software
 * authenticator (test/webauthn.ts) through @simplewebauthn/server: challenges are single-use,
 * expire, and belong to one person, purpose and session; the answer must come from the shop's
 * origin for its RP ID; a counter may not go backwards; every use is audited.
 */
const EXPIRED = "This passkey request has expired or was used already: try again.";

describeOnEachDatabase("passkeys", (get) => {
  let person: Person;
  let other: Person;
  beforeAll(async () => {
    const made = await createPerson(get().db, { email: "owner@example.com", role: "owner", password: "the owner's password" });
    const second = await createPerson(get().db, { email: "manager@example.com", role: "manager", password: "the manager's password" });
    if (!made.ok || !second.ok) throw new Error("people not created");
    person = made.person;
    other = second.person;
  });
  const by = (sessionId: string | null, purpose: "sign-in" | "step-up" = "step-up", who: Person = person): PasskeyUse => ({ person: who, sessionId, purpose, address: "192.0.2.7" });
  /** Registers a new authenticator for `who` in session `session`. */
  const enrol = async (key: SoftAuthenticator, name: string, who: Person = person, session = "session-a") => {
    const options = await registrationOptions(get().db, RP, who, session);
    const made = await registerPasskey(get().db, RP, { personId: who.id, sessionId: session }, name, key.register(options));
    if (!made.ok) throw new Error(made.error);
    return made.passkey;
  };
  const uses = async () =>
    (await get().db.selectFrom("audit_log").select(["outcome", "detail"]).where("action", "=", "passkey.use").orderBy("id").execute()).map((row) => `${row.outcome}: ${row.detail}`);

  it("registers a passkey against its session's challenge, once; lists it; it counts as a second factor", async () => {
    const key = new SoftAuthenticator();
    const options = await registrationOptions(get().db, RP, person, "session-a");
    expect(options).toMatchObject({ rp: { id: "localhost", name: "Test shop" }, user: { name: "owner@example.com" }, excludeCredentials: [] });
    const answer = key.register(options);
    // Another session of the same person cannot use this session's challenge.
    expect(await registerPasskey(get().db, RP, { personId: person.id, sessionId: "session-b" }, "Stolen", answer)).toMatchObject({ ok: false, error: EXPIRED });
    expect(await registerPasskey(get().db, RP, { personId: person.id, sessionId: "session-a" }, "Blue key", answer)).toMatchObject({ ok: true, passkey: { name: "Blue key" } });
    // The same answer again: its challenge is spent.
    expect(await registerPasskey(get().db, RP, { personId: person.id, sessionId: "session-a" }, "Blue key", answer)).toMatchObject({ ok: false, error: EXPIRED });
    expect((await listPasskeys(get().db, person.id)).map((passkey) => passkey.name)).toEqual(["Blue key"]);
    const row = await get().db.selectFrom("passkeys").select(["credential_id", "transports", "counter"]).where("person_id", "=", person.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ credential_id: key.id, transports: "usb,nfc", counter: 0 });
    expect(await secondFactorMethods(get().db, person)).toEqual({ app: false, passkey: true });
    // Offered again, it is excluded: the browser will not make a second one on the same key.
    expect((await registrationOptions(get().db, RP, person, "session-a")).excludeCredentials).toEqual([{ id: key.id, transports: ["usb", "nfc"], type: "public-key" }]);
    // Garbage is refused before anything is checked.
    expect(await registerPasskey(get().db, RP, { personId: person.id, sessionId: "session-a" }, "x", '{"id":1}')).toMatchObject({ ok: false, error: expect.stringMatching(/could not be read/) });
  });

  it("a challenge is single-use, expires, and is bound to its person, purpose and session", async () => {
    const key = new SoftAuthenticator();
    await enrol(key, "Phone");
    const db = get().db;
    const before = (await uses()).length;

    const options = (await authenticationOptions(db, RP, { personId: person.id, sessionId: "session-a" }, "step-up"))!;
    const answer = key.authenticate(options);
    // Not another session's, nor another purpose's.
    expect(await verifyPasskey(db, RP, by("session-b"), answer)).toEqual({ ok: false, error: EXPIRED });
    expect(await verifyPasskey(db, RP, by(null, "sign-in"), answer)).toEqual({ ok: false, error: EXPIRED });
    // Its own session's: once.
    expect(await verifyPasskey(db, RP, by("session-a"), answer)).toMatchObject({ ok: true, passkey: { name: "Phone" } });
    expect(await verifyPasskey(db, RP, by("session-a"), answer)).toEqual({ ok: false, error: EXPIRED });

    // Five minutes later, a challenge has expired.
    const now = Date.now();
    const late = (await authenticationOptions(db, RP, { personId: person.id, sessionId: "session-a" }, "step-up", now))!;
    expect(await verifyPasskey(db, RP, by("session-a"), key.authenticate(late), now + CHALLENGE_TTL_MS)).toEqual({ ok: false, error: EXPIRED });

    // A sign-in challenge has no session; another person cannot answer it with their own passkey.
    const theirs = new SoftAuthenticator();
    await enrol(theirs, "Their key", other, "session-c");
    const signIn = (await authenticationOptions(db, RP, { personId: person.id, sessionId: null }, "sign-in"))!;
    expect(await verifyPasskey(db, RP, by(null, "sign-in"), theirs.authenticate(signIn))).toEqual({ ok: false, error: "That passkey is not one of yours here." });
    expect(await verifyPasskey(db, RP, by(null, "sign-in", other), theirs.authenticate(signIn))).toEqual({ ok: false, error: EXPIRED });
    expect(await verifyPasskey(db, RP, by(null, "sign-in"), key.authenticate(signIn))).toMatchObject({ ok: true });

    // Each use is in the audit log, refused or not.
    expect((await uses()).slice(before)).toEqual([
      "refused: step-up: “Phone”: challenge unknown, expired, used, or another person's or session's",
      "refused: sign-in: “Phone”: challenge unknown, expired, used, or another person's or session's",
      "done: step-up: “Phone”",
      "refused: step-up: “Phone”: challenge unknown, expired, used, or another person's or session's",
      "refused: step-up: “Phone”: challenge unknown, expired, used, or another person's or session's",
      "refused: sign-in: unknown passkey",
      "refused: sign-in: “Their key”: challenge unknown, expired, used, or another person's or session's",
      "done: sign-in: “Phone”",
    ]);
  });

  it("refuses an answer made on another origin or for another RP ID (a phishing site), and spends its challenge", async () => {
    const key = new SoftAuthenticator();
    await enrol(key, "Laptop");
    const db = get().db;
    const phished = (await authenticationOptions(db, RP, { personId: person.id, sessionId: "session-a" }, "step-up"))!;
    expect(await verifyPasskey(db, RP, by("session-a"), key.authenticate(phished, { origin: "https://lumen-goods.example", rpId: RP.id }))).toEqual({ ok: false, error: "That passkey answer was not accepted." });
    expect(await verifyPasskey(db, RP, by("session-a"), key.authenticate(phished))).toEqual({ ok: false, error: EXPIRED });
    const otherRp = (await authenticationOptions(db, RP, { personId: person.id, sessionId: "session-a" }, "step-up"))!;
    expect(await verifyPasskey(db, RP, by("session-a"), key.authenticate(otherRp, { origin: RP.origin, rpId: "lumen-goods.example" }))).toEqual({ ok: false, error: "That passkey answer was not accepted." });
    const trail = await uses();
    expect(trail.at(-3)).toMatch(/^refused: step-up: “Laptop”: Unexpected authentication response origin "https:\/\/lumen-goods\.example"/);
    expect(trail.at(-1)).toMatch(/^refused: step-up: “Laptop”: .*RP ID/i);
    // A registration from another origin is refused too.
    const registering = await registrationOptions(db, RP, person, "session-a");
    expect(await registerPasskey(db, RP, { personId: person.id, sessionId: "session-a" }, "Fake", new SoftAuthenticator().register(registering, { origin: "https://lumen-goods.example", rpId: RP.id }))).toMatchObject({ ok: false });
  });

  it("refuses an answer that names a registered passkey but is signed by another key", async () => {
    const key = new SoftAuthenticator();
    await enrol(key, "Desk key");
    const db = get().db;
    // Another authenticator that claims the registered one's credential id.
    const impostor = new SoftAuthenticator();
    Object.defineProperty(impostor, "credentialId", { value: key.credentialId });
    const options = (await authenticationOptions(db, RP, { personId: person.id, sessionId: "session-a" }, "step-up"))!;
    expect(await verifyPasskey(db, RP, by("session-a"), impostor.authenticate(options))).toEqual({ ok: false, error: "That passkey answer was not accepted." });
    expect((await uses()).at(-1)).toBe("refused: step-up: “Desk key”: signature does not verify");
  });

  it("two removals at once never leave none when the last one must stay", async () => {
    const db = get().db;
    const keeper = await createPerson(db, { email: "keeper@example.com", role: "staff", password: "the keeper's password" });
    if (!keeper.ok) throw new Error(keeper.error);
    const [a, b] = [await enrol(new SoftAuthenticator(), "A", keeper.person, "keeper-session"), await enrol(new SoftAuthenticator(), "B", keeper.person, "keeper-session")];
    const outcomes = await Promise.all([removePasskey(db, keeper.person.id, a.id, true), removePasskey(db, keeper.person.id, b.id, true)]);
    expect(outcomes.filter((outcome) => outcome === "last")).toHaveLength(1);
    expect(await listPasskeys(db, keeper.person.id)).toHaveLength(1);
    // Without the rule, the last one goes too; another person's is not theirs to remove.
    const [left] = await listPasskeys(db, keeper.person.id);
    expect(await removePasskey(db, person.id, left!.id, false)).toBe("not theirs");
    expect(await removePasskey(db, keeper.person.id, left!.id, false)).toEqual({ name: left!.name });
  });

  it("keeps the counter, and refuses one that goes backwards (a cloned authenticator)", async () => {
    const key = new SoftAuthenticator(40);
    const passkey = await enrol(key, "Counting key");
    const db = get().db;
    const counter = async () => (await db.selectFrom("passkeys").select("counter").where("id", "=", passkey.id).executeTakeFirstOrThrow()).counter;
    expect(await counter()).toBe(41);
    const sign = async () => verifyPasskey(db, RP, by("session-a"), key.authenticate((await authenticationOptions(db, RP, { personId: person.id, sessionId: "session-a" }, "step-up"))!));
    expect(await sign()).toMatchObject({ ok: true });
    expect(await counter()).toBe(42);
    const used = await db.selectFrom("passkeys").select("last_used_at").where("id", "=", passkey.id).executeTakeFirstOrThrow();
    expect(used.last_used_at).not.toBeNull();
    key.setCounter(10);
    expect(await sign()).toEqual({ ok: false, error: expect.stringMatching(/^That passkey's counter went backwards/) });
    expect(await counter()).toBe(42);
    // Equal is not forward either.
    key.setCounter(41);
    expect(await sign()).toMatchObject({ ok: false });
    key.setCounter(50);
    expect(await sign()).toMatchObject({ ok: true });
    expect(await counter()).toBe(51);
  });

  it("a passkey finishes the sign-in's second step; resetting the second factor removes every passkey", async () => {
    const db = get().db;
    const keys = { sessionSecret: "p".repeat(40), passkeys: RP };
    const walker = await createPerson(db, { email: "walker@example.com", role: "staff", password: "the walker's password" });
    if (!walker.ok) throw new Error(walker.error);
    const key = new SoftAuthenticator();
    await enrol(key, "Walker's key", walker.person, "walker-session");
    const attempt = { email: "walker@example.com", password: "the walker's password", client: "192.0.2.8", knownBrowser: undefined };
    const asked = await attemptSignIn(db, keys, attempt);
    if (asked.ok || !asked.secondStep?.passkey) throw new Error("no second step");
    expect(asked).toMatchObject({ error: "Use your passkey to finish signing in.", secondStep: { app: false } });
    // A wrong password with a right answer: the password is checked first, the challenge stays.
    const answer = key.authenticate(asked.secondStep.passkey);
    expect(await attemptSignIn(db, keys, { ...attempt, password: "a guess", passkey: answer })).toMatchObject({ ok: false, error: "That email or password is not right." });
    expect(await attemptSignIn(db, keys, { ...attempt, passkey: answer })).toMatchObject({ ok: true, secondFactor: "the passkey “Walker's key”" });
    // Replayed: refused, with a fresh challenge to try again.
    const replayed = await attemptSignIn(db, keys, { ...attempt, passkey: answer });
    expect(replayed).toMatchObject({ ok: false, error: EXPIRED, secondStep: { passkey: { challenge: expect.any(String) } } });

    await resetSecondFactor(db, walker.person.id);
    expect(await listPasskeys(db, walker.person.id)).toEqual([]);
    expect(await db.selectFrom("webauthn_challenges").select("challenge").where("person_id", "=", walker.person.id).execute()).toEqual([]);
    expect(await attemptSignIn(db, keys, attempt)).toMatchObject({ ok: true, secondFactor: null });
  });
});
