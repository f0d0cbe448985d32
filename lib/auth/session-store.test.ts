import { expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { SESSION_TTL_MS } from "./session";
import { deleteExpiredSessions, openSession, revokeSession, sessionIsLive } from "./session-store";

const KEYS = { sessionSecret: "session-store-test-secret-0123456789abcdef", adminPassword: "the merchant's password" };

describeOnEachDatabase("merchant sessions", (get) => {
  it("signing out ends that session on every instance, even for a kept copy of the cookie", async () => {
    const other = get().open(); // a second app instance on the same database
    const token = await openSession(get().db, KEYS);
    const laptop = await openSession(get().db, KEYS);
    expect(await sessionIsLive(get().db, KEYS, token)).toBe(true);
    expect(await sessionIsLive(other, KEYS, token)).toBe(true);

    await revokeSession(get().db, KEYS, token);
    expect(await sessionIsLive(get().db, KEYS, token)).toBe(false);
    expect(await sessionIsLive(other, KEYS, token)).toBe(false);
    // The merchant's other sign-in is untouched.
    expect(await sessionIsLive(other, KEYS, laptop)).toBe(true);
  });

  it("a new ADMIN_PASSWORD ends every session; the old password's cookies stay refused", async () => {
    const token = await openSession(get().db, KEYS);
    const changed = { ...KEYS, adminPassword: "a brand new password" };
    expect(await sessionIsLive(get().db, changed, token)).toBe(false);
    // Signing out with the new password configured cannot revoke it, and needs not: it is dead.
    await revokeSession(get().db, changed, token);
    expect(await sessionIsLive(get().db, changed, await openSession(get().db, changed))).toBe(true);
  });

  it("a signed token whose session was never recorded, or has expired, is refused", async () => {
    const now = Date.now();
    const token = await openSession(get().db, KEYS, now);
    expect(await sessionIsLive(get().db, KEYS, token, now + SESSION_TTL_MS - 1)).toBe(true);
    expect(await sessionIsLive(get().db, KEYS, token, now + SESSION_TTL_MS)).toBe(false);

    // Same keys, but the row is gone (deleted by retention, or never made on this database).
    const orphan = await openSession(get().db, KEYS, now);
    const [id] = orphan.split(".");
    await get().db.deleteFrom("admin_sessions").where("id", "=", id!).execute();
    expect(await sessionIsLive(get().db, KEYS, orphan, now)).toBe(false);
  });

  it("the retention job deletes expired sessions only", async () => {
    const now = Date.now();
    const old = await openSession(get().db, KEYS, now - SESSION_TTL_MS - 60_000);
    const oldRevoked = await openSession(get().db, KEYS, now - SESSION_TTL_MS - 60_000);
    await revokeSession(get().db, KEYS, oldRevoked, now - SESSION_TTL_MS - 30_000);
    const current = await openSession(get().db, KEYS, now);
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
