"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { loadConfig } from "../config";
import { recordAudit } from "../auth/audit";
import { changeRole, createPerson, emailSchema, endSessionsOf, findPerson, findPersonByEmail, passwordSchema, roleSchema, setDisabled, setRequiresSecondFactor } from "../auth/people";
import { beginTotp, confirmTotp, resetSecondFactor } from "../auth/second-factor";
import { endSession } from "../auth/session-store";
import { mailToken, tokenPattern, usePasswordToken } from "../auth/tokens";
import { can, hasSecondFactor, type Permission } from "../rules/roles";
import { LIMITS } from "../security/rate-limit";
import { guard, stepUp, stepUpFields } from "./guard";

/**
 * The merchant's team (issue 30): invitations, roles, disabling, second factors, sessions, and
 * the public pages of a mailed link (accepting an invitation, resetting a password). Each through
 * guard: the permission of lib/rules/roles.ts, and an audit row.
 */
export type PeopleState = { message: string | null; error: string | null; needsCode?: boolean; values?: Record<string, string> };

const NOT_SIGNED_IN: PeopleState = { message: null, error: "Your session has ended. Please sign in again." };
const refused = (why: string): PeopleState => ({ message: null, error: why });
const merchant = (permission: Permission, action: string) => ({ signedOut: NOT_SIGNED_IN, permission, action, refused });
const firstIssue = (error: z.ZodError): PeopleState => ({ message: null, error: error.issues[0]?.message ?? "Please check the form." });

export async function invitePersonAction(_state: PeopleState, formData: FormData): Promise<PeopleState> {
  const values = { email: String(formData.get("email") ?? "").slice(0, 254), role: String(formData.get("role") ?? "") };
  const rules = {
    merchant: merchant("people.manage", "person.invite"),
    input: z.object({ email: emailSchema, role: roleSchema }),
    invalid: (error: z.ZodError): PeopleState => ({ ...firstIssue(error), values }),
  };
  return guard(rules, formData, async ({ email, role }, { db, audit, merchant: me }) => {
    const created = await createPerson(db, { email, role });
    if (!created.ok) {
      await audit({ action: "person.invite", outcome: "refused", detail: `${email} as ${role}: ${created.error}` });
      return { message: null, error: created.error, values };
    }
    await mailToken(db, created.person, "invite", me!.person.email);
    await audit({ action: "person.invite", outcome: "done", targetPersonId: created.person.id, detail: `${email} as ${role}` });
    revalidatePath("/admin/people");
    return { message: `Invitation mailed to ${email}: the link works once, for 24 hours.`, error: null };
  });
}

/** Mails a new invitation to someone who has not accepted theirs yet. */
export async function reinviteAction(_state: PeopleState, formData: FormData): Promise<PeopleState> {
  const rules = { merchant: merchant("people.manage", "person.invite"), input: z.object({ personId: z.uuid() }), invalid: () => refused("Unknown person.") };
  return guard(rules, formData, async ({ personId }, { db, audit, merchant: me }) => {
    const person = await findPerson(db, personId);
    if (!person || person.password_hash !== null) return refused("This person has accepted their invitation already.");
    await mailToken(db, person, "invite", me!.person.email);
    await audit({ action: "person.invite", outcome: "done", targetPersonId: person.id, detail: `mailed again to ${person.email}` });
    return { message: `A new invitation went to ${person.email}.`, error: null };
  });
}

/** A new role: a money action (a manager can send refunds), with a fresh second factor. */
export async function changeRoleAction(_state: PeopleState, formData: FormData): Promise<PeopleState> {
  const rules = { merchant: merchant("people.manage", "person.role"), input: z.object({ personId: z.uuid(), role: roleSchema, ...stepUpFields }), invalid: firstIssue };
  return guard(rules, formData, async ({ personId, role, ...proof }, context) => {
    const why = await stepUp(context, proof);
    if (why) {
      await context.audit({ action: "person.role", outcome: "refused", targetPersonId: personId, detail: `to ${role}: ${why}` });
      return { ...refused(why), needsCode: true };
    }
    const changed = await changeRole(context.db, personId, role);
    await context.audit({ action: "person.role", outcome: changed.ok ? "done" : "refused", targetPersonId: personId, detail: changed.ok ? `${changed.before} -> ${changed.after}` : changed.error });
    if (!changed.ok) return refused(changed.error);
    revalidatePath("/admin/people");
    return { message: `Role changed: ${changed.before} -> ${changed.after}.`, error: null };
  });
}

export async function setDisabledAction(_state: PeopleState, formData: FormData): Promise<PeopleState> {
  const rules = { merchant: merchant("people.manage", "person.disable"), input: z.object({ personId: z.uuid(), disabled: z.enum(["0", "1"]) }), invalid: () => refused("Unknown person.") };
  return guard(rules, formData, async ({ personId, disabled }, { db, audit, merchant: me }) => {
    if (personId === me!.person.id) return refused("You cannot disable yourself.");
    const changed = await setDisabled(db, personId, disabled === "1");
    const action = disabled === "1" ? "person.disable" : "person.enable";
    await audit({ action, outcome: changed.ok ? "done" : "refused", targetPersonId: personId, detail: changed.ok ? `${changed.before} -> ${changed.after}` : changed.error });
    if (!changed.ok) return refused(changed.error);
    revalidatePath("/admin/people");
    return { message: disabled === "1" ? "Disabled: their sessions ended." : "Enabled again.", error: null };
  });
}

/** Lost phone: an owner turns another person's second factor off (they set it up again after signing in). */
export async function resetSecondFactorAction(_state: PeopleState, formData: FormData): Promise<PeopleState> {
  const rules = { merchant: merchant("people.manage", "person.reset-second-factor"), input: z.object({ personId: z.uuid(), ...stepUpFields }), invalid: () => refused("Unknown person.") };
  return guard(rules, formData, async ({ personId, ...proof }, context) => {
    const why = await stepUp(context, proof);
    if (why) return { ...refused(why), needsCode: true };
    const person = await findPerson(context.db, personId);
    if (!person) return refused("Unknown person.");
    await resetSecondFactor(context.db, personId);
    await endSessionsOf(context.db, personId);
    await context.audit({ action: "person.reset-second-factor", outcome: "done", targetPersonId: personId, detail: `${person.email}: second factor (authenticator app and passkeys) on -> off` });
    revalidatePath("/admin/people");
    return { message: `${person.email}'s second factor is off and their sessions ended: they set up a new one after signing in.`, error: null };
  });
}

export async function requireSecondFactorAction(_state: PeopleState, formData: FormData): Promise<PeopleState> {
  const rules = { merchant: merchant("security.manage", "security.require-second-factor"), input: z.object({ required: z.enum(["0", "1"]) }), invalid: () => refused("Please try again.") };
  return guard(rules, formData, async ({ required }, { db, audit, merchant: me }) => {
    if (required === "1" && !hasSecondFactor(me!.secondFactor)) return refused("Set up your own second factor first.");
    await setRequiresSecondFactor(db, required === "1");
    await audit({ action: "security.require-second-factor", outcome: "done", detail: required === "1" ? "off -> on" : "on -> off" });
    revalidatePath("/admin", "layout");
    return { message: required === "1" ? "Everyone now needs a second factor." : "A second factor is now optional (still needed for money actions).", error: null };
  });
}

// One's own account.

export type TotpState = { error: string | null; secret?: string; uri?: string; recoveryCodes?: string[]; needsCode?: boolean };

/**
 * Starts setting up an authenticator app. With a second factor already on (moving to a new app),
 * a fresh one is asked first, as for adding a passkey: a stolen session must not swap in its own
 * authenticator and then pass every money action's step-up with it.
 */
export async function beginTotpAction(_state: TotpState, formData: FormData): Promise<TotpState> {
  const rules = {
    merchant: { signedOut: { error: NOT_SIGNED_IN.error }, permission: "account.own" as const, action: "account.second-factor", refused: (why: string) => ({ error: why }), enrolling: true },
    input: z.object(stepUpFields),
    invalid: () => ({ error: "Please try again." }),
  };
  return guard(rules, formData, async (proof, context) => {
    const { db, merchant: me } = context;
    if (hasSecondFactor(me!.secondFactor)) {
      const why = await stepUp(context, proof);
      if (why) {
        await context.audit({ action: "account.second-factor", outcome: "refused", targetPersonId: me!.person.id, detail: `moving to a new authenticator app: ${why}` });
        return { error: why, needsCode: true };
      }
    }
    const { secret, uri } = await beginTotp(db, me!.person, loadConfig().mail.shopName);
    return { error: null, secret, uri };
  });
}

export async function confirmTotpAction(state: TotpState, formData: FormData): Promise<TotpState> {
  const rules = {
    merchant: { signedOut: { error: NOT_SIGNED_IN.error }, permission: "account.own" as const, action: "account.second-factor", refused: (why: string) => ({ error: why }), enrolling: true },
    input: z.object({ code: z.string().trim().max(20) }),
    invalid: () => ({ ...state, error: "Type the 6 digits the app shows." }),
    limit: { rule: LIMITS.signIn, refused: (wait: string) => ({ ...state, error: `Too many codes tried. Try again in ${wait}.` }) },
  };
  return guard(rules, formData, async ({ code }, { db, audit, merchant: me }) => {
    const result = await confirmTotp(db, me!.person.id, code);
    await audit({ action: "account.second-factor", outcome: result.ok ? "done" : "refused", targetPersonId: me!.person.id, detail: result.ok ? "authenticator app set up; 10 recovery codes issued" : result.error });
    if (!result.ok) return { ...state, error: result.error };
    revalidatePath("/admin", "layout");
    return { error: null, recoveryCodes: result.recoveryCodes };
  });
}

/** Ends one session: one's own, or (an owner) anyone's. */
export async function endSessionAction(_state: PeopleState, formData: FormData): Promise<PeopleState> {
  const rules = { merchant: merchant("account.own", "session.end"), input: z.object({ sessionId: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/) }), invalid: () => refused("Unknown session.") };
  return guard(rules, formData, async ({ sessionId }, { db, audit, merchant: me }) => {
    const row = await db.selectFrom("admin_sessions").select(["person_id"]).where("id", "=", sessionId).executeTakeFirst();
    if (!row) return refused("Unknown session.");
    if (row.person_id !== me!.person.id && !can(me!.person.role, "people.manage")) {
      await audit({ action: "session.end", outcome: "refused", targetPersonId: row.person_id, detail: "another person's session" });
      return refused("Only an owner can end another person's session.");
    }
    const ended = await endSession(db, sessionId);
    await audit({ action: "session.end", outcome: ended ? "done" : "refused", targetPersonId: row.person_id, detail: ended ? "open -> ended" : "was not open" });
    revalidatePath("/admin/security");
    if (sessionId === me!.id) redirect("/admin/sign-in");
    return { message: ended ? "Session ended." : "That session had ended already.", error: null };
  });
}

/** Ends every other session of a person: one's own (this one stays), or (an owner) anyone's. */
export async function endAllSessionsAction(_state: PeopleState, formData: FormData): Promise<PeopleState> {
  const rules = { merchant: merchant("account.own", "session.end-all"), input: z.object({ personId: z.uuid() }), invalid: () => refused("Unknown person.") };
  return guard(rules, formData, async ({ personId }, { db, audit, merchant: me }) => {
    if (personId !== me!.person.id && !can(me!.person.role, "people.manage")) {
      await audit({ action: "session.end-all", outcome: "refused", targetPersonId: personId, detail: "another person's sessions" });
      return refused("Only an owner can end another person's sessions.");
    }
    const count = await endSessionsOf(db, personId, personId === me!.person.id ? me!.id : undefined);
    await audit({ action: "session.end-all", outcome: "done", targetPersonId: personId, detail: `${count} ended` });
    revalidatePath("/admin/security");
    return { message: `${count} session${count === 1 ? "" : "s"} ended.`, error: null };
  });
}

// The mailed links' pages: no session.

export type PasswordState = { error: string | null; done?: boolean; message?: string | null };

/** Sets the password of an invitation (accepting it) or a reset link; the link then stops working. */
export async function setPasswordWithTokenAction(_state: PasswordState, formData: FormData): Promise<PasswordState> {
  const rules = {
    input: z.object({ token: z.string().regex(tokenPattern), kind: z.enum(["invite", "reset"]), password: passwordSchema, repeat: z.string() }).refine((form) => form.password === form.repeat, { message: "The two passwords differ.", path: ["repeat"] }),
    invalid: (error: z.ZodError): PasswordState => ({ error: error.issues[0]?.path[0] === "token" ? "This link is not valid." : (error.issues[0]?.message ?? "Please check the form.") }),
    limit: { rule: LIMITS.signIn, refused: (wait: string) => ({ error: `Too many attempts. Try again in ${wait}.` }) },
  };
  return guard(rules, formData, async ({ token, kind, password }, { db, client }) => {
    const person = await usePasswordToken(db, token, kind, password);
    await recordAudit(db, { person: person && { id: person.id, email: person.email }, action: kind === "invite" ? "person.accept-invite" : "account.password-reset", outcome: person ? "done" : "refused", targetPersonId: person?.id ?? null, detail: person ? "password set" : "link expired or used", address: client });
    if (!person) return { error: "This link has expired or was used already: ask for a new one." };
    return { error: null, done: true };
  });
}

/** "Forgot your password?": the same answer whether or not the email has an account. */
export async function requestPasswordResetAction(_state: PasswordState, formData: FormData): Promise<PasswordState> {
  const rules = {
    input: z.object({ email: emailSchema }),
    invalid: (error: z.ZodError): PasswordState => ({ error: error.issues[0]?.message ?? "Enter an email address." }),
    limit: { rule: LIMITS.signIn, refused: (wait: string) => ({ error: `Too many requests. Try again in ${wait}.` }) },
  };
  return guard(rules, formData, async ({ email }, { db, client }) => {
    const person = await findPersonByEmail(db, email);
    const sent = person !== undefined && person.disabled_at === null && person.password_hash !== null;
    if (sent) await mailToken(db, person, "reset", null);
    await recordAudit(db, { person: person ? { id: person.id, email: person.email } : null, action: "account.password-reset-request", outcome: sent ? "done" : "refused", detail: sent ? "link mailed" : `${email}: no enabled account`, address: client });
    return { error: null, message: "If that email has an account here, a link to set a new password is on its way. It works once, for 24 hours." };
  });
}
