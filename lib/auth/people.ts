import { randomUUID } from "node:crypto";
import type { Selectable } from "kysely";
import { hash, verify } from "@node-rs/argon2";
import { z } from "zod";
import { isUniqueViolation, type Db } from "../db";
import { nowIso, type PeopleTable } from "../db/schema";
import { ROLES, type Role } from "../rules/roles";

/**
 * The people who may use the merchant area (issue 30): an email, an Argon2id password, a role. A
 * disabled person's sessions end at once (their rows are revoked, and every request checks the
 * person too). The first owner comes from ADMIN_EMAIL + ADMIN_PASSWORD at start, or from
 * `npm run admin -- create-owner`.
 */
export type Person = Selectable<PeopleTable>;

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, "This email address is too long.")
  .regex(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/, "Enter an email address.");

// As ADMIN_PASSWORD always asked (lib/config.ts): an upgraded install keeps its password.
export const PASSWORD_MIN = 8;
export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN, `Choose a password of at least ${PASSWORD_MIN} characters.`)
  .max(512, "This password is too long.");

export const roleSchema = z.enum(ROLES, { error: "Choose a role." });

/** Argon2id (the library's default algorithm) with its default, OWASP-level cost. */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

// A real hash to check unknown emails against: the answer takes as long as for a real person.
let dummy: Promise<string> | undefined;

/** The person whose email and password these are, enabled; null otherwise (in about the same time either way). */
export async function checkPassword(db: Db, email: string, password: string): Promise<Person | null> {
  const parsed = emailSchema.safeParse(email);
  const person = parsed.success ? await db.selectFrom("people").selectAll().where("email", "=", parsed.data).executeTakeFirst() : undefined;
  const stored = person?.password_hash ?? (await (dummy ??= hashPassword("not anybody's password")));
  const matches = await verify(stored, password).catch(() => false);
  return matches && person && person.password_hash && person.disabled_at === null ? person : null;
}

export async function findPerson(db: Db, id: string): Promise<Person | undefined> {
  return db.selectFrom("people").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function findPersonByEmail(db: Db, email: string): Promise<Person | undefined> {
  return db.selectFrom("people").selectAll().where("email", "=", email.trim().toLowerCase()).executeTakeFirst();
}

/** A person, and how many passkeys they have (their second factor is on with an app or a passkey). */
export type PersonListing = Person & { passkeys: number };

export async function listPeople(db: Db): Promise<PersonListing[]> {
  const rows = await db
    .selectFrom("people")
    .selectAll("people")
    .select((eb) => eb.selectFrom("passkeys").select((count) => count.fn.countAll<number>().as("n")).whereRef("passkeys.person_id", "=", "people.id").as("passkeys"))
    .orderBy("created_at")
    .orderBy("email")
    .execute();
  return rows.map((row) => ({ ...row, passkeys: Number(row.passkeys ?? 0) }));
}

export async function countPeople(db: Db): Promise<number> {
  const row = await db.selectFrom("people").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return Number(row.n);
}

export type CreateResult = { ok: true; person: Person } | { ok: false; error: string };

/** A new person; without a password, an invitation waiting to be accepted. */
export async function createPerson(db: Db, input: { email: string; role: Role; password?: string }): Promise<CreateResult> {
  const email = emailSchema.safeParse(input.email);
  if (!email.success) return { ok: false, error: email.error.issues[0]!.message };
  if (input.password !== undefined) {
    const password = passwordSchema.safeParse(input.password);
    if (!password.success) return { ok: false, error: password.error.issues[0]!.message };
  }
  try {
    const person = await db
      .insertInto("people")
      .values({
        id: randomUUID(),
        email: email.data,
        role: input.role,
        password_hash: input.password === undefined ? null : await hashPassword(input.password),
        created_at: nowIso(),
        disabled_at: null,
        totp_secret: null,
        totp_pending_secret: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { ok: true, person };
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, error: `${email.data} already has an account.` };
    throw error;
  }
}

/** A new password (accepting an invitation, a reset): every session of the person ends. */
export async function setPassword(db: Db, personId: string, password: string): Promise<void> {
  const passwordHash = await hashPassword(password);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable("people").set({ password_hash: passwordHash }).where("id", "=", personId).execute();
    await endSessionsOf(trx, personId);
  });
}

/** Revokes every open session of a person. */
export async function endSessionsOf(db: Db, personId: string, exceptSessionId?: string): Promise<number> {
  const result = await db
    .updateTable("admin_sessions")
    .set({ revoked_at: nowIso() })
    .where("person_id", "=", personId)
    .where("revoked_at", "is", null)
    .$if(exceptSessionId !== undefined, (qb) => qb.where("id", "!=", exceptSessionId!))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export type PeopleChange = { ok: true; before: string; after: string } | { ok: false; error: string };

async function enabledOwners(db: Db): Promise<number> {
  const row = await db.selectFrom("people").select((eb) => eb.fn.countAll<number>().as("n")).where("role", "=", "owner").where("disabled_at", "is", null).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A new role; the shop always keeps one enabled owner. */
export async function changeRole(db: Db, personId: string, role: Role): Promise<PeopleChange> {
  const person = await findPerson(db, personId);
  if (!person) return { ok: false, error: "Unknown person." };
  if (person.role === role) return { ok: false, error: `${person.email} is already ${role}.` };
  if (person.role === "owner" && (await enabledOwners(db)) <= 1) return { ok: false, error: "The shop needs an owner: make someone else owner first." };
  await db.updateTable("people").set({ role }).where("id", "=", personId).execute();
  return { ok: true, before: person.role, after: role };
}

/** Disables a person: their sessions end at once, and they cannot sign in again until enabled. */
export async function setDisabled(db: Db, personId: string, disabled: boolean): Promise<PeopleChange> {
  const person = await findPerson(db, personId);
  if (!person) return { ok: false, error: "Unknown person." };
  if (disabled && person.role === "owner" && person.disabled_at === null && (await enabledOwners(db)) <= 1) return { ok: false, error: "The shop needs an owner: the last one cannot be disabled." };
  await db.transaction().execute(async (trx) => {
    await trx.updateTable("people").set({ disabled_at: disabled ? nowIso() : null }).where("id", "=", personId).execute();
    if (disabled) await endSessionsOf(trx, personId);
  });
  return { ok: true, before: person.disabled_at === null ? "enabled" : "disabled", after: disabled ? "disabled" : "enabled" };
}

export type FirstOwner = { created: Person } | { exists: true } | { none: true };

/**
 * At start, on a database with no person: ADMIN_EMAIL + ADMIN_PASSWORD make the first owner (an
 * install that used the shared password upgrades to that). A password without an email is a
 * mistake the caller reports; neither: the owner comes from `npm run admin -- create-owner`.
 */
export async function ensureFirstOwner(db: Db, admin: { email: string | null; password: string | null }): Promise<FirstOwner | { error: string }> {
  if ((await countPeople(db)) > 0) return { exists: true };
  if (admin.password === null) return { none: true };
  if (admin.email === null) return { error: "ADMIN_EMAIL must be set: ADMIN_PASSWORD now creates the first owner, who signs in by email (or create one with npm run admin -- create-owner)" };
  const created = await createPerson(db, { email: admin.email, role: "owner", password: admin.password });
  if (created.ok) return { created: created.person };
  // Two instances starting at once: the other one made it.
  if ((await countPeople(db)) > 0) return { exists: true };
  return { error: `ADMIN_EMAIL / ADMIN_PASSWORD: ${created.error}` };
}

/** The shop's security settings. */
export async function requiresSecondFactor(db: Db): Promise<boolean> {
  const row = await db.selectFrom("shop_settings").select("value").where("name", "=", "require_second_factor").executeTakeFirst();
  return row?.value === "1";
}

export async function setRequiresSecondFactor(db: Db, required: boolean): Promise<void> {
  const value = required ? "1" : "0";
  await db.insertInto("shop_settings").values({ name: "require_second_factor", value }).onConflict((oc) => oc.column("name").doUpdateSet({ value })).execute();
}
