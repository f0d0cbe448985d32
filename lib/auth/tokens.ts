import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../db";
import { nowIso } from "../db/schema";
import { queueMail } from "../notify/outbox";
import { findPerson, setPassword, type Person } from "./people";

/**
 * Invitation and password-reset links (issue 30): one token machinery. A token is 32 random bytes,
 * mailed once and kept only as its SHA-256; it works once, for 24 hours, and a newer one of the
 * same kind replaces it.
 */
export type TokenKind = "invite" | "reset";
export const TOKEN_TTL_MS = 24 * 60 * 60_000;

const hashToken = (token: string) => createHash("sha256").update(`person-token:${token}`).digest("base64url");

export const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

/** A new link for the person, queued as a mail (the outbox sends it). Returns the token. */
export async function mailToken(db: Db, person: Person, kind: TokenKind, invitedBy: string | null, now = Date.now()): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  const tokenHash = hashToken(token);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable("person_tokens").set({ used_at: new Date(now).toISOString() }).where("person_id", "=", person.id).where("kind", "=", kind).where("used_at", "is", null).execute();
    await trx
      .insertInto("person_tokens")
      .values({ token_hash: tokenHash, person_id: person.id, kind, created_at: new Date(now).toISOString(), expires_at: new Date(now + TOKEN_TTL_MS).toISOString(), used_at: null })
      .execute();
    await queueMail(trx, {
      key: `${kind}:${tokenHash}`,
      to: person.email,
      orderId: null,
      payload: kind === "invite" ? { kind: "person_invite", role: person.role, invitedBy: invitedBy ?? "The shop's owner", token } : { kind: "password_reset", token },
    });
  });
  return token;
}

/** The enabled person a live token of this kind is for, or null. */
export async function personOfToken(db: Db, token: string, kind: TokenKind, now = Date.now()): Promise<Person | null> {
  if (!tokenPattern.test(token)) return null;
  const row = await db
    .selectFrom("person_tokens")
    .select("person_id")
    .where("token_hash", "=", hashToken(token))
    .where("kind", "=", kind)
    .where("used_at", "is", null)
    .where("expires_at", ">", new Date(now).toISOString())
    .executeTakeFirst();
  if (!row) return null;
  const person = await findPerson(db, row.person_id);
  return person && person.disabled_at === null ? person : null;
}

/** Uses the token once to set the person's password (their other sessions end). The person, or null when the link no longer works. */
export async function usePasswordToken(db: Db, token: string, kind: TokenKind, password: string, now = Date.now()): Promise<Person | null> {
  const person = await personOfToken(db, token, kind, now);
  if (!person) return null;
  const used = await db
    .updateTable("person_tokens")
    .set({ used_at: nowIso() })
    .where("token_hash", "=", hashToken(token))
    .where("used_at", "is", null)
    .executeTakeFirst();
  if (Number(used.numUpdatedRows) !== 1) return null;
  await setPassword(db, person.id, password);
  return person;
}
