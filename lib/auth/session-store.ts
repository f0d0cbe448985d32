import type { Db } from "../db";
import type { SecondFactorMethods } from "../rules/roles";
import type { Person } from "./people";
import { createSessionToken, newSessionId, readSessionToken, SESSION_TTL_MS, type SessionKeys } from "./session";

/**
 * Merchant sessions on the server side: one `admin_sessions` row per sign-in, naming its person,
 * so signing out, disabling the person or a new password ends it on every instance, even for
 * someone who kept a copy of the cookie. Each live request refreshes "last seen" (at most once a
 * minute).
 */

export interface SessionMeta {
  personId: string;
  userAgent: string | null;
  address: string | null;
  /** Set when the sign-in itself took a second factor: money actions are open for five minutes. */
  secondFactorAt: number | null;
}

/** A live session and its enabled person. */
export interface LiveSession {
  id: string;
  person: Person;
  secondFactorAt: number | null;
  /** The second factors the person has set up (read with the session: every guard asks). */
  secondFactor: SecondFactorMethods;
}

/** Records a new session and returns the cookie value that names it. */
export async function openSession(db: Db, keys: SessionKeys, meta: SessionMeta, now = Date.now()): Promise<string> {
  const claims = { id: newSessionId(), expiresAt: now + SESSION_TTL_MS };
  const at = new Date(now).toISOString();
  await db
    .insertInto("admin_sessions")
    .values({
      id: claims.id,
      created_at: at,
      expires_at: new Date(claims.expiresAt).toISOString(),
      revoked_at: null,
      person_id: meta.personId,
      user_agent: meta.userAgent?.slice(0, 300) ?? null,
      address: meta.address,
      last_seen_at: at,
      second_factor_at: meta.secondFactorAt === null ? null : new Date(meta.secondFactorAt).toISOString(),
    })
    .execute();
  return createSessionToken(keys, claims);
}

const SEEN_EVERY_MS = 60_000;

/** The session the token names, when it is signed with the current keys, unexpired, open, and its person enabled. */
export async function liveSession(db: Db, keys: SessionKeys, token: string | undefined, now = Date.now()): Promise<LiveSession | null> {
  const claims = readSessionToken(keys, token, now);
  if (!claims) return null;
  const row = await db
    .selectFrom("admin_sessions as s")
    .innerJoin("people as p", "p.id", "s.person_id")
    .select(["s.id as session_id", "s.second_factor_at", "s.last_seen_at"])
    .select((eb) => eb.exists(eb.selectFrom("passkeys as k").select("k.id").whereRef("k.person_id", "=", "p.id")).as("has_passkey"))
    .selectAll("p")
    .where("s.id", "=", claims.id)
    .where("s.revoked_at", "is", null)
    .where("s.expires_at", ">", new Date(now).toISOString())
    .where("p.disabled_at", "is", null)
    .executeTakeFirst();
  if (!row) return null;
  const { session_id, second_factor_at, last_seen_at, has_passkey, ...person } = row;
  if (last_seen_at === null || now - Date.parse(last_seen_at) > SEEN_EVERY_MS) {
    await db.updateTable("admin_sessions").set({ last_seen_at: new Date(now).toISOString() }).where("id", "=", session_id).execute();
  }
  return {
    id: session_id,
    person: person as Person,
    secondFactorAt: second_factor_at === null ? null : Date.parse(second_factor_at),
    // SQLite says 1 or 0, Postgres true or false.
    secondFactor: { app: person.totp_secret !== null, passkey: Boolean(has_passkey) },
  };
}

/** True when the token names a live session (see liveSession). */
export async function sessionIsLive(db: Db, keys: SessionKeys, token: string | undefined, now = Date.now()): Promise<boolean> {
  return (await liveSession(db, keys, token, now)) !== null;
}

/** A second factor was just entered in this session (step-up). */
export async function markSecondFactor(db: Db, sessionId: string, now = Date.now()): Promise<void> {
  await db.updateTable("admin_sessions").set({ second_factor_at: new Date(now).toISOString() }).where("id", "=", sessionId).execute();
}

/** Ends the token's session for good (sign-out). A token that is not ours changes nothing. */
export async function revokeSession(db: Db, keys: SessionKeys, token: string | undefined, now = Date.now()): Promise<void> {
  const claims = readSessionToken(keys, token, now);
  if (!claims) return;
  await endSession(db, claims.id, now);
}

/** Ends one session by its id; false when it was not open. */
export async function endSession(db: Db, sessionId: string, now = Date.now()): Promise<boolean> {
  const result = await db.updateTable("admin_sessions").set({ revoked_at: new Date(now).toISOString() }).where("id", "=", sessionId).where("revoked_at", "is", null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export interface SessionListing {
  id: string;
  personId: string | null;
  email: string | null;
  userAgent: string | null;
  address: string | null;
  createdAt: string;
  lastSeenAt: string | null;
}

/** Open sessions, newest first: one person's, or everyone's. */
export async function openSessions(db: Db, personId: string | null, now = Date.now()): Promise<SessionListing[]> {
  const rows = await db
    .selectFrom("admin_sessions as s")
    .leftJoin("people as p", "p.id", "s.person_id")
    .select(["s.id", "s.person_id", "p.email", "s.user_agent", "s.address", "s.created_at", "s.last_seen_at"])
    .where("s.revoked_at", "is", null)
    .where("s.expires_at", ">", new Date(now).toISOString())
    .where("s.person_id", "is not", null)
    .$if(personId !== null, (qb) => qb.where("s.person_id", "=", personId!))
    .orderBy("s.last_seen_at", "desc")
    .execute();
  return rows.map((row) => ({ id: row.id, personId: row.person_id, email: row.email, userAgent: row.user_agent, address: row.address, createdAt: row.created_at, lastSeenAt: row.last_seen_at }));
}

/**
 * For the retention job: deletes sessions past their expiry (revoked or not; a token whose row
 * is gone is refused anyway). Returns how many rows went.
 */
export async function deleteExpiredSessions(db: Db, now: Date = new Date()): Promise<number> {
  const result = await db.deleteFrom("admin_sessions").where("expires_at", "<=", now.toISOString()).executeTakeFirst();
  return Number(result.numDeletedRows);
}
