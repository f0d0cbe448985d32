"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { authenticationOptions, PASSKEY_ANSWER_MAX, PASSKEY_NAME_MAX, registerPasskey, registrationOptions, removePasskey, type PublicKeyCredentialCreationOptionsJSON, type PublicKeyCredentialRequestOptionsJSON } from "../auth/passkeys";
import { requiresSecondFactor } from "../auth/people";
import { loadConfig } from "../config";
import { hasSecondFactor } from "../rules/roles";
import { guard, stepUp, stepUpFields, type ActionRules } from "./guard";
import type { PeopleState } from "./people";

/**
 * One's own passkeys (issue 30), on the Security page: the browser asks for options (a challenge
 * bound to this session; a new one replaces the last, so asking often keeps one row), makes or
 * signs with a passkey, and the answer comes back here (tries at step-up count against its limit). Adding
 * one when the person already has a second factor, and removing one, are step-up actions: a
 * stolen session alone cannot plant a passkey of its own or take one away.
 */
const NOT_SIGNED_IN = "Your session has ended. Please sign in again.";
const own = (action: string) => ({ signedOut: { error: NOT_SIGNED_IN }, permission: "account.own" as const, action, refused: (why: string) => ({ error: why }) });
/** Adding a passkey is a way to meet the shop's second-factor rule: open to a person who has none yet. */
const enrolling = (action: string) => ({ ...own(action), enrolling: true });

export type PasskeyOptionsState<Options> = { error: string | null; options?: Options; needsCode?: boolean };

/** The rules of asking for options: signed in, and nothing to parse. */
function optionsRules<Options>(action: string): ActionRules<PasskeyOptionsState<Options>, object> {
  return { merchant: own(action), input: z.object({}), invalid: () => ({ error: "Please try again." }) };
}

/**
 * Options to make a new passkey (the browser's navigator.credentials.create). With a second factor
 * on already, a fresh one comes first (the add form's step-up fields): refused here, before the
 * device makes a passkey that the shop would then not keep.
 */
export async function passkeyRegistrationOptionsAction(_state: unknown, formData: FormData): Promise<PasskeyOptionsState<PublicKeyCredentialCreationOptionsJSON>> {
  type State = PasskeyOptionsState<PublicKeyCredentialCreationOptionsJSON>;
  const rules = { merchant: enrolling("passkey.register"), input: z.object(stepUpFields), invalid: (): State => ({ error: "Please try again." }) };
  return guard(rules, formData, async (proof, context): Promise<State> => {
    const me = context.merchant!;
    if (hasSecondFactor(me.secondFactor)) {
      const why = await stepUp(context, proof);
      if (why) {
        await context.audit({ action: "passkey.register", outcome: "refused", targetPersonId: me.person.id, detail: why });
        return { error: why, needsCode: true };
      }
    }
    return { error: null, options: await registrationOptions(context.db, loadConfig().passkeys, me.person, me.id) };
  });
}

/** Options to sign with one of one's passkeys, for step-up in this session (components/admin/step-up-field.tsx). */
export async function passkeyStepUpOptionsAction(_state: unknown, formData: FormData): Promise<PasskeyOptionsState<PublicKeyCredentialRequestOptionsJSON>> {
  return guard(optionsRules<PublicKeyCredentialRequestOptionsJSON>("passkey.use"), formData, async (_input, { db, merchant: me }) => {
    const options = await authenticationOptions(db, loadConfig().passkeys, { personId: me!.person.id, sessionId: me!.id }, "step-up");
    return options ? { error: null, options } : { error: "You have no passkey here: add one on the Security page." };
  });
}

const nameSchema = z.string().trim().min(1, "Name the passkey (say, “Work laptop” or “Blue key”).").max(PASSKEY_NAME_MAX, `At most ${PASSKEY_NAME_MAX} characters.`);

/** Keeps the passkey the browser just made, under the name given. */
export async function addPasskeyAction(_state: PeopleState, formData: FormData): Promise<PeopleState> {
  const rules = {
    merchant: { ...enrolling("passkey.register"), signedOut: { message: null, error: NOT_SIGNED_IN }, refused: (why: string): PeopleState => ({ message: null, error: why }) },
    input: z.object({ name: nameSchema, answer: z.string().max(PASSKEY_ANSWER_MAX), ...stepUpFields }),
    invalid: (error: z.ZodError): PeopleState => ({ message: null, error: error.issues[0]?.path[0] === "name" ? error.issues[0].message : "The browser did not make a passkey: try again." }),
  };
  return guard(rules, formData, async ({ name, answer, ...proof }, context) => {
    const me = context.merchant!;
    if (hasSecondFactor(me.secondFactor)) {
      const why = await stepUp(context, proof);
      if (why) {
        await context.audit({ action: "passkey.register", outcome: "refused", targetPersonId: me.person.id, detail: `“${name}”: ${why}` });
        return { message: null, error: why, needsCode: true };
      }
    }
    const made = await registerPasskey(context.db, loadConfig().passkeys, { personId: me.person.id, sessionId: me.id }, name, answer);
    await context.audit({ action: "passkey.register", outcome: made.ok ? "done" : "refused", targetPersonId: me.person.id, detail: made.ok ? `“${name}” added` : `“${name}”: ${made.detail ?? made.error}` });
    if (!made.ok) return { message: null, error: made.error };
    revalidatePath("/admin", "layout");
    return { message: `Passkey “${name}” added: it works as your second factor.`, error: null };
  });
}

/** Removes one of one's passkeys, with a fresh second factor; never the last one while the shop requires a second factor. */
export async function removePasskeyAction(_state: PeopleState, formData: FormData): Promise<PeopleState> {
  const rules = {
    merchant: { ...own("passkey.remove"), signedOut: { message: null, error: NOT_SIGNED_IN }, refused: (why: string): PeopleState => ({ message: null, error: why }) },
    input: z.object({ passkeyId: z.uuid(), ...stepUpFields }),
    invalid: (): PeopleState => ({ message: null, error: "Unknown passkey." }),
  };
  return guard(rules, formData, async ({ passkeyId, ...proof }, context) => {
    const me = context.merchant!;
    const why = await stepUp(context, proof);
    if (why) {
      await context.audit({ action: "passkey.remove", outcome: "refused", targetPersonId: me.person.id, detail: why });
      return { message: null, error: why, needsCode: true };
    }
    const removed = await removePasskey(context.db, me.person.id, passkeyId, !me.secondFactor.app && (await requiresSecondFactor(context.db)));
    if (removed === "last") return { message: null, error: "The shop requires a second factor: add another passkey or an authenticator app before removing your last one." };
    await context.audit({ action: "passkey.remove", outcome: removed === "not theirs" ? "refused" : "done", targetPersonId: me.person.id, detail: removed === "not theirs" ? "not one of theirs" : `“${removed.name}” removed` });
    if (removed === "not theirs") return { message: null, error: "Unknown passkey." };
    revalidatePath("/admin", "layout");
    return { message: `Passkey “${removed.name}” removed.`, error: null };
  });
}
