import type { Db } from "../db";
import { createSessionToken, newSessionId, readSessionToken, SESSION_TTL_MS, type SessionKeys } from "./session";

/**
 * Merchant sessions on the server side: one `admin_sessions` row per sign-in, so signing out
 * ends the session on every instance, even for someone who kept a copy of the cookie.
 */

/** Records a new session and returns the cookie value that names it. */
export async function openSession(db: Db, keys: SessionKeys, now = Date.now()): Promise<string> {
  const claims = { id: newSessionId(), expiresAt: now + SESSION_TTL_MS };
  await db
    .insertInto("admin_sessions")
    .values({ id: claims.id, created_at: new Date(now).toISOString(), expires_at: new Date(claims.expiresAt).toISOString(), revoked_at: null })
    .execute();
  return createSessionToken(keys, claims);
}

/** True when the token is signed with the current keys, unexpired, and its session still open. */
export async function sessionIsLive(db: Db, keys: SessionKeys, token: string | undefined, now = Date.now()): Promise<boolean> {
  const claims = readSessionToken(keys, token, now);
  if (!claims) return false;
  const row = await db
    .selectFrom("admin_sessions")
    .select("id")
    .where("id", "=", claims.id)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", new Date(now).toISOString())
    .executeTakeFirst();
  return row !== undefined;
}

/** Ends the token's session for good (sign-out). A token that is not ours changes nothing. */
export async function revokeSession(db: Db, keys: SessionKeys, token: string | undefined, now = Date.now()): Promise<void> {
  const claims = readSessionToken(keys, token, now);
  if (!claims) return;
  await db.updateTable("admin_sessions").set({ revoked_at: new Date(now).toISOString() }).where("id", "=", claims.id).where("revoked_at", "is", null).execute();
}

/**
 * For the retention job: deletes sessions past their expiry (revoked or not; a token whose row
 * is gone is refused anyway). Returns how many rows went.
 */
export async function deleteExpiredSessions(db: Db, now: Date = new Date()): Promise<number> {
  const result = await db.deleteFrom("admin_sessions").where("expires_at", "<=", now.toISOString()).executeTakeFirst();
  return Number(result.numDeletedRows);
}
