import { createHash, randomBytes } from "node:crypto";
import { generateSecret, generateURI, verify } from "otplib";
import type { RelyingParty } from "../config";
import type { Db } from "../db";
import { nowIso } from "../db/schema";
import { hasSecondFactor, type SecondFactorMethods } from "../rules/roles";
import { hasPasskey, removeAllPasskeys, verifyPasskey, type PasskeyUse } from "./passkeys";
import { requiresSecondFactor, type Person } from "./people";

/**
 * The second factor (issue 30), two ways:
 * - TOTP (RFC 6238, 6 digits every 30 s, what authenticator apps use) with 10 single-use recovery
 *   codes, shown once and kept as SHA-256 hashes (each is 50 random bits). A TOTP code is
 *   accepted once: its time step is remembered (`totp_last_step`).
 * - Passkeys (lib/auth/passkeys.ts).
 * `proveSecondFactor` is the one check of either, for the sign-in and for step-up.
 */
export const RECOVERY_CODE_COUNT = 10;

/** What this person has set up (a live session carries the same, lib/auth/session-store.ts). */
export async function secondFactorMethods(db: Db, person: Pick<Person, "id" | "totp_secret">): Promise<SecondFactorMethods> {
  return { app: person.totp_secret !== null, passkey: await hasPasskey(db, person.id) };
}

/**
 * The owner's rule, as pages, server actions and route handlers all apply it: true when the shop
 * requires a second factor of everyone and this person has none yet (they may only set one up).
 */
export async function mustSetUpSecondFactor(db: Db, methods: SecondFactorMethods): Promise<boolean> {
  return !hasSecondFactor(methods) && (await requiresSecondFactor(db));
}

/** Starts enrolment: a new secret, kept pending until a code from it confirms it. */
export async function beginTotp(db: Db, person: Person, issuer: string): Promise<{ secret: string; uri: string }> {
  const secret = generateSecret();
  await db.updateTable("people").set({ totp_pending_secret: secret }).where("id", "=", person.id).execute();
  return { secret, uri: generateURI({ issuer, label: person.email, secret }) };
}

const hashCode = (code: string) => createHash("sha256").update(`recovery:${code}`).digest("base64url");

/** Ten fresh recovery codes (the old ones stop working), returned once in clear. */
async function newRecoveryCodes(db: Db, personId: string): Promise<string[]> {
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const bytes = randomBytes(10);
    const chars = [...bytes].map((byte) => alphabet[byte % alphabet.length]).join("");
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
  await db.deleteFrom("recovery_codes").where("person_id", "=", personId).execute();
  await db.insertInto("recovery_codes").values(codes.map((code) => ({ person_id: personId, code_hash: hashCode(code), used_at: null }))).execute();
  return codes;
}

export type EnrolResult = { ok: true; recoveryCodes: string[] } | { ok: false; error: string };

/** A code from the pending secret turns the second factor on; the recovery codes come back once. */
export async function confirmTotp(db: Db, personId: string, code: string, now = Date.now()): Promise<EnrolResult> {
  const person = await db.selectFrom("people").selectAll().where("id", "=", personId).executeTakeFirst();
  if (!person?.totp_pending_secret) return { ok: false, error: "Start again: no authenticator is being set up." };
  const step = await totpStep(person.totp_pending_secret, code, null, now);
  if (step === null) return { ok: false, error: "That code is not right: check the app's clock, and type the 6 digits it shows now." };
  return db.transaction().execute(async (trx) => {
    await trx.updateTable("people").set({ totp_secret: person.totp_pending_secret, totp_pending_secret: null, totp_last_step: step }).where("id", "=", personId).execute();
    return { ok: true, recoveryCodes: await newRecoveryCodes(trx, personId) };
  });
}

async function totpStep(secret: string, code: string, after: number | null, now: number): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  try {
    const result = await verify({ secret, token: code, epoch: Math.floor(now / 1000), epochTolerance: 30, ...(after === null ? {} : { afterTimeStep: after }) });
    return result.valid ? ((result as { timeStep?: number }).timeStep ?? null) : null;
  } catch {
    return null;
  }
}

/**
 * Checks a second factor: a TOTP code (6 digits, each accepted once) or an unused recovery code
 * (then used up). True when it counts.
 */
export async function checkSecondFactor(db: Db, personId: string, given: string, now = Date.now()): Promise<boolean> {
  const code = given.replace(/\s+/g, "").toLowerCase();
  const person = await db.selectFrom("people").select(["totp_secret", "totp_last_step"]).where("id", "=", personId).executeTakeFirst();
  if (!person?.totp_secret) return false;
  if (/^\d{6}$/.test(code)) {
    const last = person.totp_last_step === null ? null : Number(person.totp_last_step);
    const step = await totpStep(person.totp_secret, code, last, now);
    if (step === null) return false;
    // Compare-and-set: two requests with the same code cannot both count it.
    const moved = await db
      .updateTable("people")
      .set({ totp_last_step: step })
      .where("id", "=", personId)
      .where((eb) => (last === null ? eb("totp_last_step", "is", null) : eb("totp_last_step", "=", last)))
      .executeTakeFirst();
    return Number(moved.numUpdatedRows) === 1;
  }
  if (!/^[a-z0-9]{5}-?[a-z0-9]{5}$/.test(code)) return false;
  const normal = code.includes("-") ? code : `${code.slice(0, 5)}-${code.slice(5)}`;
  const used = await db
    .updateTable("recovery_codes")
    .set({ used_at: nowIso() })
    .where("person_id", "=", personId)
    .where("code_hash", "=", hashCode(normal))
    .where("used_at", "is", null)
    .executeTakeFirst();
  return Number(used.numUpdatedRows) === 1;
}

export async function recoveryCodesLeft(db: Db, personId: string): Promise<number> {
  const row = await db.selectFrom("recovery_codes").select((eb) => eb.fn.countAll<number>().as("n")).where("person_id", "=", personId).where("used_at", "is", null).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A second factor as a form gives it: a code typed (TOTP or recovery), or a passkey's answer (JSON). */
export interface SecondFactorProof {
  code: string | null;
  passkey: string | null;
}

export type ProofVerdict = { ok: true; how: string } | { ok: false; error: string };

/**
 * The one check of a second factor, at sign-in and for step-up: a code when one was typed (it
 * wins over a passkey answer the form may still carry), else the passkey's answer (audited either
 * way, lib/auth/passkeys.ts). `how` names what counted, for the audit log.
 */
export async function proveSecondFactor(db: Db, rp: RelyingParty, use: PasskeyUse, proof: SecondFactorProof, now = Date.now()): Promise<ProofVerdict> {
  const code = proof.code?.trim() ?? "";
  if (code !== "") return (await checkSecondFactor(db, use.person.id, code, now)) ? { ok: true, how: "a code" } : { ok: false, error: "That code is not right, or was used already." };
  if (proof.passkey) {
    const used = await verifyPasskey(db, rp, use, proof.passkey, now);
    return used.ok ? { ok: true, how: `the passkey “${used.passkey.name}”` } : used;
  }
  return { ok: false, error: "Enter a code, or use a passkey." };
}

/** Turns a person's second factors off, the app and every passkey (lost phone or key: another owner, or the command line). */
export async function resetSecondFactor(db: Db, personId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable("people").set({ totp_secret: null, totp_pending_secret: null, totp_last_step: null }).where("id", "=", personId).execute();
    await trx.deleteFrom("recovery_codes").where("person_id", "=", personId).execute();
    await removeAllPasskeys(trx, personId);
  });
}

/** For provisioning (`npm run admin -- create-owner --totp-secret`): a secret set without the app's round trip. */
export async function setTotpSecret(db: Db, personId: string, secret: string): Promise<string[]> {
  await db.updateTable("people").set({ totp_secret: secret, totp_pending_secret: null, totp_last_step: null }).where("id", "=", personId).execute();
  return newRecoveryCodes(db, personId);
}
