import { generate } from "otplib";
import { beforeAll, expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { createPerson, findPerson, type Person } from "../auth/people";
import { beginTotp, confirmTotp } from "../auth/second-factor";
import { liveSession, openSession } from "../auth/session-store";
import { withRequestScope } from "../server/auth";
import { stepUp, type ActionContext } from "./guard";
import { beginTotpAction, changeRoleAction, type PeopleState, type TotpState } from "./people";

/**
 * Step-up (issue 30): a money action — here, changing a person's role — needs a second factor
 * entered in the last five minutes. Without one the form answers with a code field and changes
 * nothing; a right code in the same form does it, and counts for the next five minutes.
 */
const KEYS = { sessionSecret: "step-up-test-secret-0123456789abcdefghij" };

describeOnEachDatabase("step-up for money actions", (get) => {
  let owner: Person;
  let packer: Person;
  let secret = "";
  let cookie = "";
  let recoveryCodes: string[] = [];
  beforeAll(async () => {
    const made = await createPerson(get().db, { email: "owner@example.com", role: "owner", password: "the owner's password" });
    const staff = await createPerson(get().db, { email: "packer@example.com", role: "staff", password: "the packer's password" });
    if (!made.ok || !staff.ok) throw new Error("people not created");
    owner = made.person;
    packer = staff.person;
    secret = (await beginTotp(get().db, owner, "Lumen Goods")).secret;
    // Enrolled a minute ago: that code's step is spent; the session has no fresh second factor.
    const enrolled = await confirmTotp(get().db, owner.id, await generate({ secret, epoch: Math.floor((Date.now() - 60_000) / 1000) }), Date.now() - 60_000);
    if (!enrolled.ok) throw new Error(enrolled.error);
    recoveryCodes = enrolled.recoveryCodes;
    cookie = await openSession(get().db, KEYS, { personId: owner.id, userAgent: null, address: null, secondFactorAt: Date.now() - 6 * 60_000 });
  });
  const asOwner = (form: Record<string, string>) => {
    const data = new FormData();
    for (const [name, value] of Object.entries(form)) data.append(name, value);
    const initial: PeopleState = { message: null, error: null };
    return withRequestScope({ db: get().db, headers: new Headers(), trustedProxyCount: 0, merchant: () => liveSession(get().db, KEYS, cookie) }, () => changeRoleAction(initial, data));
  };
  const roleOf = async (person: Person) => (await findPerson(get().db, person.id))!.role;

  it("the action asks for a code in place and changes nothing without a right one", async () => {
    expect(await asOwner({ personId: packer.id, role: "manager" })).toMatchObject({ needsCode: true, error: expect.stringMatching(/6-digit code/) });
    expect(await asOwner({ personId: packer.id, role: "manager", stepUpCode: "123456" })).toMatchObject({ needsCode: true, error: "That code is not right, or was used already." });
    expect(await roleOf(packer)).toBe("staff");
    const trail = await get().db.selectFrom("audit_log").select(["outcome", "detail"]).where("person_id", "=", owner.id).where("action", "=", "person.role").orderBy("id").execute();
    expect(trail.map((row) => row.outcome)).toEqual(["refused", "refused"]);
  });

  it("moving to a new authenticator app needs a fresh second factor: a stolen session cannot swap in its own", async () => {
    const stale = await openSession(get().db, KEYS, { personId: owner.id, userAgent: null, address: null, secondFactorAt: Date.now() - 6 * 60_000 });
    const begin = (form: Record<string, string>) => {
      const data = new FormData();
      for (const [name, value] of Object.entries(form)) data.append(name, value);
      const initial: TotpState = { error: null };
      return withRequestScope({ db: get().db, headers: new Headers(), trustedProxyCount: 0, merchant: () => liveSession(get().db, KEYS, stale) }, () => beginTotpAction(initial, data));
    };
    const pendingSecret = async () => (await get().db.selectFrom("people").select("totp_pending_secret").where("id", "=", owner.id).executeTakeFirstOrThrow()).totp_pending_secret;
    expect(await begin({})).toMatchObject({ needsCode: true, error: expect.stringMatching(/6-digit code/) });
    const wrong = await begin({ stepUpCode: "123456" });
    expect(wrong).toMatchObject({ needsCode: true, error: "That code is not right, or was used already." });
    expect(wrong.secret).toBeUndefined();
    expect(await pendingSecret()).toBeNull();
    // With a second factor of the current set-up (here a recovery code: the app's code of this
    // step is the next test's), in the same form, the new app's key is given.
    const started = await begin({ stepUpCode: recoveryCodes[0]! });
    expect(started.error).toBeNull();
    expect(started.secret).toMatch(/^[A-Z2-7]{16,}$/);
    expect(await pendingSecret()).toBe(started.secret);
    const trail = await get().db.selectFrom("audit_log").select(["outcome"]).where("person_id", "=", owner.id).where("action", "=", "account.second-factor").orderBy("id").execute();
    expect(trail.map((row) => row.outcome)).toEqual(["refused", "refused"]);
  });

  it("a right code counts once, and for five minutes; a person without a second factor is told to set one up", async () => {
    const context = async (token: string): Promise<ActionContext> => ({ db: get().db, headers: new Headers(), client: "192.0.2.9", merchant: await liveSession(get().db, KEYS, token), audit: async () => {} });
    const code = await generate({ secret });
    expect(await stepUp(await context(cookie), { stepUpCode: code })).toBeNull();
    // The session is fresh now: no code needed, on the next request too.
    expect((await liveSession(get().db, KEYS, cookie))!.secondFactorAt).toBeGreaterThan(Date.now() - 60_000);
    expect(await stepUp(await context(cookie), {})).toBeNull();
    // Another session of the same person cannot reuse that code.
    const other = await openSession(get().db, KEYS, { personId: owner.id, userAgent: null, address: null, secondFactorAt: null });
    expect(await stepUp(await context(other), { stepUpCode: code })).toBe("That code is not right, or was used already.");
    const packerSession = await openSession(get().db, KEYS, { personId: packer.id, userAgent: null, address: null, secondFactorAt: null });
    expect(await stepUp(await context(packerSession), { stepUpCode: "123456" })).toMatch(/^Money leaves the shop only after a second factor/);
  });
});
