import { randomUUID } from "node:crypto";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { isoBase64URL } from "@simplewebauthn/server/helpers";
import { z } from "zod";
import type { RelyingParty } from "../config";
import { isPostgres, isUniqueViolation, type Db } from "../db";
import type { ChallengePurpose } from "../db/schema";
import { recordAudit } from "./audit";

export type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RelyingParty };

/**
 * Passkeys (WebAuthn) as a second factor (issue 30), beside the authenticator app: after the
 * password at sign-in, for step-up, and for the owner's rule that everyone has a second factor.
 *
 * Each ceremony starts with a challenge kept in the database (any instance may receive the
 * answer): random, single-use (deleted as it is checked, whatever the outcome), valid for
 * CHALLENGE_TTL_MS, and bound to its person, its purpose and its session (at sign-in there is no
 * session yet: the password, checked again with the answer, stands in for it). An answer counts
 * only when the browser made it on the shop's origin for its RP ID (config.passkeys, from
 * APP_BASE_URL), signed by a passkey of that person, with a signature counter that moved forward
 * (for authenticators that keep one). Every use is audited, refused or not.
 */
export const CHALLENGE_TTL_MS = 5 * 60_000;
export const PASSKEY_NAME_MAX = 60;
/** A passkey answer as the browser sends it (JSON): attestation certificates make some a few KB. */
export const PASSKEY_ANSWER_MAX = 32_000;

const base64url = z.string().max(16_000).regex(/^[A-Za-z0-9_-]*$/, "not base64url");
const TRANSPORTS = ["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"] as const satisfies readonly AuthenticatorTransportFuture[];
// Transports a newer browser names and this list does not know are dropped, not refused.
const transports = z
  .array(z.string().max(20))
  .max(10)
  .transform((names) => names.filter((name): name is AuthenticatorTransportFuture => (TRANSPORTS as readonly string[]).includes(name)));
const credential = {
  id: base64url.min(1).max(1_400),
  rawId: base64url.min(1).max(1_400),
  type: z.literal("public-key"),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional().catch(undefined),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
};

const registrationAnswerSchema = z.object({
  ...credential,
  response: z.object({ clientDataJSON: base64url.min(1), attestationObject: base64url.min(1), transports: transports.optional() }),
});

const authenticationAnswerSchema = z.object({
  ...credential,
  response: z.object({ clientDataJSON: base64url.min(1), authenticatorData: base64url.min(1), signature: base64url.min(1), userHandle: base64url.optional() }),
});

/** The browser's answer (a JSON text from a form), parsed by its schema; null when it is not one. */
function parseAnswer<T>(schema: z.ZodType<T>, text: string): T | null {
  if (text.length > PASSKEY_ANSWER_MAX) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

/** Whose ceremony it is: the person, and their session (null at sign-in, before there is one). */
export interface ChallengeOwner {
  personId: string;
  sessionId: string | null;
}

/** Keeps a new challenge; the owner's earlier one of the same purpose, and every expired one, go. */
async function keepChallenge(db: Db, owner: ChallengeOwner, purpose: ChallengePurpose, challenge: string, now: number): Promise<void> {
  await db.deleteFrom("webauthn_challenges").where("expires_at", "<=", new Date(now).toISOString()).execute();
  if (owner.sessionId !== null) await db.deleteFrom("webauthn_challenges").where("session_id", "=", owner.sessionId).where("purpose", "=", purpose).execute();
  await db
    .insertInto("webauthn_challenges")
    .values({ challenge, person_id: owner.personId, session_id: owner.sessionId, purpose, expires_at: new Date(now + CHALLENGE_TTL_MS).toISOString() })
    .execute();
}

/** Spends a challenge: true once, when it is this owner's, for this purpose, and unexpired. */
async function spendChallenge(db: Db, owner: ChallengeOwner, purpose: ChallengePurpose, challenge: string, now: number): Promise<boolean> {
  const spent = await db
    .deleteFrom("webauthn_challenges")
    .where("challenge", "=", challenge)
    .where("person_id", "=", owner.personId)
    .where("purpose", "=", purpose)
    .where((eb) => (owner.sessionId === null ? eb("session_id", "is", null) : eb("session_id", "=", owner.sessionId)))
    .where("expires_at", ">", new Date(now).toISOString())
    .executeTakeFirst();
  return Number(spent.numDeletedRows) === 1;
}

export interface PasskeyListing {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export async function listPasskeys(db: Db, personId: string): Promise<PasskeyListing[]> {
  const rows = await db.selectFrom("passkeys").select(["id", "name", "created_at", "last_used_at"]).where("person_id", "=", personId).orderBy("created_at").orderBy("id").execute();
  return rows.map((row) => ({ id: row.id, name: row.name, createdAt: row.created_at, lastUsedAt: row.last_used_at }));
}

export async function hasPasskey(db: Db, personId: string): Promise<boolean> {
  return (await db.selectFrom("passkeys").select("id").where("person_id", "=", personId).limit(1).executeTakeFirst()) !== undefined;
}

async function credentialsOf(db: Db, personId: string) {
  const rows = await db.selectFrom("passkeys").select(["credential_id", "transports"]).where("person_id", "=", personId).execute();
  return rows.map((row) => ({ id: row.credential_id, transports: row.transports === "" ? [] : (row.transports.split(",") as AuthenticatorTransportFuture[]) }));
}

/** What the browser needs to make a new passkey for this person (the ones they have are excluded). */
export async function registrationOptions(db: Db, rp: RelyingParty, person: { id: string; email: string }, sessionId: string, now = Date.now()): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: person.email,
    userID: new TextEncoder().encode(person.id),
    attestationType: "none",
    excludeCredentials: await credentialsOf(db, person.id),
    authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
  });
  await keepChallenge(db, { personId: person.id, sessionId }, "register", options.challenge, now);
  return options;
}

/**
 * What the browser needs to sign with one of the person's passkeys (sign-in or step-up); null when
 * they have none.
 */
export async function authenticationOptions(db: Db, rp: RelyingParty, owner: ChallengeOwner, purpose: "sign-in" | "step-up", now = Date.now()): Promise<PublicKeyCredentialRequestOptionsJSON | null> {
  const allowCredentials = await credentialsOf(db, owner.personId);
  if (allowCredentials.length === 0) return null;
  // A second factor after the password: being present is enough; a PIN or fingerprint is welcome.
  const options = await generateAuthenticationOptions({ rpID: rp.id, allowCredentials, userVerification: "preferred" });
  await keepChallenge(db, owner, purpose, options.challenge, now);
  return options;
}

export type PasskeyOutcome = { ok: true; passkey: { id: string; name: string } } | { ok: false; error: string };

const EXPIRED = "This passkey request has expired or was used already: try again.";
const UNREADABLE = "The browser's passkey answer could not be read: try again.";

/** Why the library refused an answer, for the person (the library's own words go to the audit log). */
function refusal(challengeSpent: boolean | null, error: unknown): { error: string; detail: string } {
  const detail = error instanceof Error ? error.message : String(error);
  if (challengeSpent === false) return { error: EXPIRED, detail: "challenge unknown, expired, used, or another person's or session's" };
  if (/counter/i.test(detail)) return { error: "That passkey's counter went backwards, as a copied one's would: use another second factor, and remove it if you did not copy it.", detail };
  return { error: "That passkey answer was not accepted.", detail };
}

/** Registers the browser's new passkey under `name`, when its answer is to this session's challenge, from this origin. */
export async function registerPasskey(db: Db, rp: RelyingParty, owner: ChallengeOwner, name: string, answer: string, now = Date.now()): Promise<PasskeyOutcome & { detail?: string }> {
  const response = parseAnswer(registrationAnswerSchema, answer);
  if (!response) return { ok: false, error: UNREADABLE };
  let challengeSpent: boolean | null = null;
  try {
    const verification = await verifyRegistrationResponse({
      response: response as RegistrationResponseJSON,
      expectedChallenge: async (challenge) => (challengeSpent = await spendChallenge(db, owner, "register", challenge, now)),
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: false,
    });
    if (!verification.verified) return { ok: false, ...refusal(challengeSpent, "not verified") };
    const { credential: made } = verification.registrationInfo;
    const id = randomUUID();
    await db
      .insertInto("passkeys")
      .values({
        id,
        person_id: owner.personId,
        credential_id: made.id,
        public_key: isoBase64URL.fromBuffer(made.publicKey),
        counter: made.counter,
        transports: (response.response.transports ?? []).join(","),
        name,
        created_at: new Date(now).toISOString(),
        last_used_at: null,
      })
      .execute();
    return { ok: true, passkey: { id, name } };
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, error: "This passkey is registered here already.", detail: "credential already registered" };
    return { ok: false, ...refusal(challengeSpent, error) };
  }
}

/** A passkey answer given as a second factor, and where it came from (for the audit log). */
export interface PasskeyUse {
  person: { id: string; email: string };
  sessionId: string | null;
  purpose: "sign-in" | "step-up";
  address: string | null;
}

/**
 * Checks a passkey answer as a second factor: one of the person's passkeys signed this owner's
 * challenge for this purpose, on the shop's origin, with its counter moving forward. Audited as
 * `passkey.use`, done or refused.
 */
export async function verifyPasskey(db: Db, rp: RelyingParty, use: PasskeyUse, answer: string, now = Date.now()): Promise<PasskeyOutcome> {
  const outcome = await checkAnswer(db, rp, use, answer, now);
  await recordAudit(db, {
    person: use.person,
    action: "passkey.use",
    outcome: outcome.ok ? "done" : "refused",
    targetPersonId: use.person.id,
    detail: outcome.ok ? `${use.purpose}: “${outcome.passkey.name}”` : `${use.purpose}: ${outcome.detail ?? outcome.error}`,
    address: use.address,
  });
  return outcome.ok ? outcome : { ok: false, error: outcome.error };
}

async function checkAnswer(db: Db, rp: RelyingParty, use: PasskeyUse, answer: string, now: number): Promise<PasskeyOutcome & { detail?: string }> {
  const response = parseAnswer(authenticationAnswerSchema, answer);
  if (!response) return { ok: false, error: UNREADABLE };
  const passkey = await db.selectFrom("passkeys").selectAll().where("credential_id", "=", response.id).where("person_id", "=", use.person.id).executeTakeFirst();
  if (!passkey) return { ok: false, error: "That passkey is not one of yours here.", detail: "unknown passkey" };
  const owner = { personId: use.person.id, sessionId: use.sessionId };
  let challengeSpent: boolean | null = null;
  try {
    const verification = await verifyAuthenticationResponse({
      response: response as AuthenticationResponseJSON,
      expectedChallenge: async (challenge) => (challengeSpent = await spendChallenge(db, owner, use.purpose, challenge, now)),
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: { id: passkey.credential_id, publicKey: isoBase64URL.toBuffer(passkey.public_key), counter: passkey.counter },
      requireUserVerification: false,
    });
    if (!verification.verified) return { ok: false, ...refusal(challengeSpent, "signature does not verify"), detail: `“${passkey.name}”: signature does not verify` };
    // Compare-and-set: of two answers with the same counter, one counts.
    const moved = await db
      .updateTable("passkeys")
      .set({ counter: verification.authenticationInfo.newCounter, last_used_at: new Date(now).toISOString() })
      .where("id", "=", passkey.id)
      .where("counter", "=", passkey.counter)
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1) return { ok: false, error: "That passkey was used at the same moment elsewhere: try again.", detail: `“${passkey.name}”: counter changed meanwhile` };
    return { ok: true, passkey: { id: passkey.id, name: passkey.name } };
  } catch (error) {
    const why = refusal(challengeSpent, error);
    return { ok: false, error: why.error, detail: `“${passkey.name}”: ${why.detail}` };
  }
}

/**
 * Removes one of the person's passkeys: its name; "not theirs"; or, with `keepLast` (the shop
 * requires a second factor and they have no authenticator app), "last" when it is their only
 * one. Counted and removed under a lock on the person: two removals at once cannot both see two
 * passkeys and leave none.
 */
export async function removePasskey(db: Db, personId: string, passkeyId: string, keepLast: boolean): Promise<{ name: string } | "not theirs" | "last"> {
  return db.transaction().execute(async (trx) => {
    await trx.selectFrom("people").select("id").where("id", "=", personId).$if(isPostgres(db), (qb) => qb.forUpdate()).executeTakeFirst();
    if (keepLast) {
      const { n } = await trx.selectFrom("passkeys").select((eb) => eb.fn.countAll<number>().as("n")).where("person_id", "=", personId).executeTakeFirstOrThrow();
      if (Number(n) <= 1) return "last";
    }
    const row = await trx.deleteFrom("passkeys").where("id", "=", passkeyId).where("person_id", "=", personId).returning("name").executeTakeFirst();
    return row ? { name: row.name } : "not theirs";
  });
}

/** Every passkey of a person goes, with their open challenges (lost device: lib/auth/second-factor.ts resetSecondFactor). */
export async function removeAllPasskeys(db: Db, personId: string): Promise<void> {
  await db.deleteFrom("passkeys").where("person_id", "=", personId).execute();
  await db.deleteFrom("webauthn_challenges").where("person_id", "=", personId).execute();
}
