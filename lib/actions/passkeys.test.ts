import { beforeAll, expect, it, vi } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { SoftAuthenticator } from "@/test/webauthn";
import { createPerson, findPerson, setRequiresSecondFactor, type Person } from "../auth/people";
import { liveSession, openSession } from "../auth/session-store";
import { loadConfig } from "../config";
import { withRequestScope } from "../server/auth";
import { addPasskeyAction, passkeyRegistrationOptionsAction, passkeyStepUpOptionsAction, removePasskeyAction } from "./passkeys";
import { beginTotpAction, changeRoleAction, type PeopleState } from "./people";

/**
 * Passkeys through the real server actions (issue 30): an owner without a second factor adds one
 * on the Security page; a money action (changing a role) then asks for it in place and takes the
 * passkey's answer to this session's challenge, once; adding another passkey or removing one,
 * once the step-up has gone stale, asks for a fresh second factor too. Every step is audited.
 */
// Outside a Next.js request there is no page cache to mark stale: revalidatePath has nothing to do.
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));

const KEYS = { sessionSecret: "passkey-actions-secret-0123456789abcdef" };
const INITIAL: PeopleState = { message: null, error: null };

describeOnEachDatabase("passkeys through the server actions", (get) => {
  let owner: Person;
  let packer: Person;
  let cookie = "";
  const key = new SoftAuthenticator();
  beforeAll(async () => {
    const made = await createPerson(get().db, { email: "owner@example.com", role: "owner", password: "the owner's password" });
    const staff = await createPerson(get().db, { email: "packer@example.com", role: "staff", password: "the packer's password" });
    if (!made.ok || !staff.ok) throw new Error("people not created");
    owner = made.person;
    packer = staff.person;
    cookie = await openSession(get().db, KEYS, { personId: owner.id, userAgent: null, address: null, secondFactorAt: null });
  });
  const asOwner = <T>(fn: () => Promise<T>) =>
    withRequestScope({ db: get().db, headers: new Headers({ "x-forwarded-for": "192.0.2.40" }), trustedProxyCount: 1, merchant: () => liveSession(get().db, KEYS, cookie) }, fn);
  const form = (fields: Record<string, string>) => {
    const data = new FormData();
    for (const [name, value] of Object.entries(fields)) data.append(name, value);
    return data;
  };
  // The browser's origin is the shop's own (APP_BASE_URL).
  const site = () => ({ origin: loadConfig().passkeys.origin, rpId: loadConfig().passkeys.id });
  // As the Security page does: the form's step-up fields go with the request for options too.
  const addWith = async (key: SoftAuthenticator, name: string, proof: Record<string, string> = {}) => {
    const made = await asOwner(() => passkeyRegistrationOptionsAction(null, form(proof)));
    if (!made.options) return made;
    return asOwner(() => addPasskeyAction(INITIAL, form({ name, answer: key.register(made.options!, site()), ...proof })));
  };
  const stepUpAnswer = async (key: SoftAuthenticator) => {
    const { options } = await asOwner(() => passkeyStepUpOptionsAction(null, new FormData()));
    return key.authenticate(options!, site());
  };
  const trail = async () =>
    (await get().db.selectFrom("audit_log").select(["action", "outcome"]).where("person_id", "=", owner.id).where("action", "like", "passkey.%").orderBy("id").execute()).map((row) => `${row.action} ${row.outcome}`);

  it("adds a first passkey, which then confirms a money action in place, once", async () => {
    expect(await asOwner(() => passkeyStepUpOptionsAction(null, new FormData()))).toEqual({ error: "You have no passkey here: add one on the Security page." });
    expect(await addWith(key, "  Blue key ")).toEqual({ message: "Passkey “Blue key” added: it works as your second factor.", error: null });
    expect((await liveSession(get().db, KEYS, cookie))!.secondFactor).toEqual({ app: false, passkey: true });

    const change = (proof: Record<string, string>) => asOwner(() => changeRoleAction(INITIAL, form({ personId: packer.id, role: "manager", ...proof })));
    expect(await change({})).toMatchObject({ needsCode: true, error: "Confirm with your passkey." });
    const answer = await stepUpAnswer(key);
    expect(await change({ stepUpPasskey: answer })).toMatchObject({ error: null, message: "Role changed: staff -> manager." });
    expect((await findPerson(get().db, packer.id))!.role).toBe("manager");
    expect(await trail()).toEqual(["passkey.register done", "passkey.use done"]);

    // Stale again: the same answer does not count twice.
    await get().db.updateTable("admin_sessions").set({ second_factor_at: new Date(Date.now() - 6 * 60_000).toISOString() }).execute();
    expect(await asOwner(() => changeRoleAction(INITIAL, form({ personId: packer.id, role: "staff", stepUpPasskey: answer })))).toMatchObject({ needsCode: true, error: expect.stringMatching(/expired or was used already/) });
    expect((await findPerson(get().db, packer.id))!.role).toBe("manager");
  });

  it("adding another passkey or removing one needs a fresh second factor; a removed passkey no longer counts", async () => {
    const db = get().db;
    const stale = () => db.updateTable("admin_sessions").set({ second_factor_at: new Date(Date.now() - 6 * 60_000).toISOString() }).execute();
    const first = (await db.selectFrom("passkeys").select("id").where("person_id", "=", owner.id).executeTakeFirstOrThrow()).id;
    const spare = new SoftAuthenticator(7);
    expect(await addWith(spare, "Spare key")).toMatchObject({ needsCode: true, error: "Confirm with your passkey." });
    expect(await asOwner(() => removePasskeyAction(INITIAL, form({ passkeyId: first })))).toMatchObject({ needsCode: true });
    expect(await db.selectFrom("passkeys").select("name").where("person_id", "=", owner.id).execute()).toEqual([{ name: "Blue key" }]);
    // Confirmed with the first passkey, in the same form: the spare one is added.
    expect(await addWith(spare, "Spare key", { stepUpPasskey: await stepUpAnswer(key) })).toMatchObject({ error: null, message: "Passkey “Spare key” added: it works as your second factor." });
    await stale();
    expect(await asOwner(async () => removePasskeyAction(INITIAL, form({ passkeyId: first, stepUpPasskey: await stepUpAnswer(spare) })))).toEqual({ message: "Passkey “Blue key” removed.", error: null });
    await stale();
    // The removed one signs no more; the spare one does.
    expect(await asOwner(() => changeRoleAction(INITIAL, form({ personId: packer.id, role: "staff", stepUpPasskey: "" })))).toMatchObject({ needsCode: true });
    const removed = await asOwner(async () => changeRoleAction(INITIAL, form({ personId: packer.id, role: "staff", stepUpPasskey: await stepUpAnswer(key) })));
    expect(removed).toMatchObject({ needsCode: true, error: "That passkey is not one of yours here." });
    expect(await asOwner(async () => changeRoleAction(INITIAL, form({ personId: packer.id, role: "staff", stepUpPasskey: await stepUpAnswer(spare) })))).toMatchObject({ error: null });
    expect((await trail()).slice(3)).toEqual([
      "passkey.register refused",
      "passkey.remove refused",
      "passkey.use done",
      "passkey.register done",
      "passkey.use done",
      "passkey.remove done",
      "passkey.use refused",
      "passkey.use done",
    ]);
  });

  it("when the shop requires a second factor, a person with none can still set one up (a passkey or the app), and nothing else", async () => {
    const db = get().db;
    const made = await createPerson(db, { email: "newcomer@example.com", role: "staff", password: "the newcomer's password" });
    if (!made.ok) throw new Error(made.error);
    const session = await openSession(db, KEYS, { personId: made.person.id, userAgent: null, address: null, secondFactorAt: null });
    const asNewcomer = <T>(fn: () => Promise<T>) =>
      withRequestScope({ db, headers: new Headers({ "x-forwarded-for": "192.0.2.41" }), trustedProxyCount: 1, merchant: () => liveSession(db, KEYS, session) }, fn);
    await setRequiresSecondFactor(db, true);
    try {
      // Anything else is refused until then.
      expect(await asNewcomer(() => passkeyStepUpOptionsAction(null, new FormData()))).toEqual({ error: "The shop requires a second factor: set one up on the Security page first." });
      expect(await asNewcomer(() => beginTotpAction({ error: null }, new FormData()))).toMatchObject({ error: null, secret: expect.any(String) });
      const { options } = await asNewcomer(() => passkeyRegistrationOptionsAction(null, new FormData()));
      const added = await asNewcomer(() => addPasskeyAction(INITIAL, form({ name: "Phone", answer: new SoftAuthenticator().register(options!, site()) })));
      expect(added).toEqual({ message: "Passkey “Phone” added: it works as your second factor.", error: null });
      expect((await liveSession(db, KEYS, session))!.secondFactor).toEqual({ app: false, passkey: true });
    } finally {
      await setRequiresSecondFactor(db, false);
    }
  });
});
