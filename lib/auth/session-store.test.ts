import { beforeAll, expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { createPerson, setDisabled, setPassword, type Person } from "./people";
import { SESSION_TTL_MS } from "./session";
import { deleteExpiredSessions, liveSession, openSession, openSessions, revokeSession, sessionIsLive } from "./session-store";

const KEYS = { sessionSecret: "session-store-test-secret-0123456789abcdef" };

describeOnEachDatabase("merchant sessions", (get) => {
  let owner: Person;
  let packer: Person;
  const meta = (person: Person) => ({ personId: person.id, userAgent: "Firefox on a laptop", address: "192.0.2.7", secondFactorAt: null });
  beforeAll(async () => {
    const made = await createPerson(get().db, { email: "owner@example.com", role: "owner", password: "the owner's password" });
    const staff = await createPerson(get().db, { email: "packer@example.com", role: "staff", password: "the packer's password" });
    if (!made.ok || !staff.ok) throw new Error("people not created");
    owner = made.person;
    packer = staff.person;
  });

  it("names its person, and signing out ends that session on every instance, even for a kept copy of the cookie", async () => {
    const other = get().open(); // a second app instance on the same database
    const token = await openSession(get().db, KEYS, meta(owner));
    const laptop = await openSession(get().db, KEYS, meta(owner));
    expect((await liveSession(other, KEYS, token))?.person.email).toBe("owner@example.com");

    await revokeSession(get().db, KEYS, token);
    expect(await sessionIsLive(get().db, KEYS, token)).toBe(false);
    expect(await sessionIsLive(other, KEYS, token)).toBe(false);
    // The merchant's other sign-in is untouched.
    expect(await sessionIsLive(other, KEYS, laptop)).toBe(true);
  });

  it("disabling a person ends their sessions at once; a new password does too; nobody else's", async () => {
    const packerPhone = await openSession(get().db, KEYS, meta(packer));
    const ownerDesk = await openSession(get().db, KEYS, meta(owner));
    expect(await sessionIsLive(get().db, KEYS, packerPhone)).toBe(true);
    await setDisabled(get().db, packer.id, true);
    expect(await sessionIsLive(get().db, KEYS, packerPhone)).toBe(false);
    expect((await openSessions(get().db, packer.id)).length).toBe(0);
    // Enabled again, the old cookie stays dead: it was revoked, not only refused.
    await setDisabled(get().db, packer.id, false);
    expect(await sessionIsLive(get().db, KEYS, packerPhone)).toBe(false);

    const again = await openSession(get().db, KEYS, meta(packer));
    await setPassword(get().db, packer.id, "a brand new password");
    expect(await sessionIsLive(get().db, KEYS, again)).toBe(false);
    expect(await sessionIsLive(get().db, KEYS, ownerDesk)).toBe(true);
  });

  it("a signed token whose session was never recorded, or has expired, is refused", async () => {
    const now = Date.now();
    const token = await openSession(get().db, KEYS, meta(owner), now);
    expect(await sessionIsLive(get().db, KEYS, token, now + SESSION_TTL_MS - 1)).toBe(true);
    expect(await sessionIsLive(get().db, KEYS, token, now + SESSION_TTL_MS)).toBe(false);

    // Same keys, but the row is gone (deleted by retention, or never made on this database).
    const orphan = await openSession(get().db, KEYS, meta(owner), now);
    const [id] = orphan.split(".");
    await get().db.deleteFrom("admin_sessions").where("id", "=", id!).execute();
    expect(await sessionIsLive(get().db, KEYS, orphan, now)).toBe(false);
    // Another secret: refused.
    expect(await sessionIsLive(get().db, { sessionSecret: "another secret of 32 characters or more" }, token, now)).toBe(false);
  });

  it("lists a person's open sessions with browser, address and last seen", async () => {
    const token = await openSession(get().db, KEYS, meta(owner));
    const listed = await openSessions(get().db, owner.id);
    const mine = listed.find((session) => token.startsWith(`${session.id}.`));
    expect(mine).toMatchObject({ email: "owner@example.com", userAgent: "Firefox on a laptop", address: "192.0.2.7", lastSeenAt: expect.any(String) });
  });

  it("the retention job deletes expired sessions only", async () => {
    const now = Date.now();
    const old = await openSession(get().db, KEYS, meta(owner), now - SESSION_TTL_MS - 60_000);
    const oldRevoked = await openSession(get().db, KEYS, meta(owner), now - SESSION_TTL_MS - 60_000);
    await revokeSession(get().db, KEYS, oldRevoked, now - SESSION_TTL_MS - 30_000);
    const current = await openSession(get().db, KEYS, meta(owner), now);
    const idOf = (token: string) => token.split(".")[0]!;

    const deleted = await deleteExpiredSessions(get().db, new Date(now));
    expect(deleted).toBeGreaterThanOrEqual(2);
    const left = (await get().db.selectFrom("admin_sessions").select("id").execute()).map((row) => row.id);
    expect(left).not.toContain(idOf(old));
    expect(left).not.toContain(idOf(oldRevoked));
    expect(left).toContain(idOf(current));
    expect(await sessionIsLive(get().db, KEYS, current, now)).toBe(true);
  });
});
