import "server-only";
import { z } from "zod";
import { recordAudit, type AuditEntry } from "../auth/audit";
import { PASSKEY_ANSWER_MAX } from "../auth/passkeys";
import { mustSetUpSecondFactor, proveSecondFactor } from "../auth/second-factor";
import { markSecondFactor, type LiveSession } from "../auth/session-store";
import { loadConfig } from "../config";
import type { Db } from "../db";
import { requestScope, type RequestScope } from "../server/auth";
import { inRequest } from "../log";
import { can, hasSecondFactor, ROLE_LABELS, stepUpFresh, type Permission } from "../rules/roles";
import { clientAddress, hitRateLimit, LIMITS, minutesToWait, waitInMinutes, type RateLimit } from "../security/rate-limit";

export type { RequestScope };

/**
 * The one door every server action goes through (a server action is a public endpoint: anyone
 * can post to it with any fields). In this order: the merchant's session and its person, the
 * person's role against the permission the action names (lib/rules/roles.ts; a refusal is
 * audited), the form parsed by the action's zod schema, the action's rate limit, then the action
 * itself, with the request's id on every log line it writes. Not a "use server" module: its
 * exports must not become endpoints.
 */
export interface ActionRules<State, Input> {
  /** The form's fields (first value of each name; names not in the schema are dropped). */
  input: z.ZodType<Input>;
  /** The answer to a form the schema refuses. */
  invalid: (error: z.ZodError) => State | Promise<State>;
  /**
   * A merchant action: without a live session it answers `signedOut` and does nothing else; a
   * person whose role lacks `permission` gets `refused(why)`, and the audit log a "refused" row
   * named `action`. So does a person without a second factor when the shop requires one, except
   * in the actions that set one up (`enrolling`), which are the way out of that.
   */
  merchant?: { signedOut: State; permission: Permission; action: string; refused: (why: string) => State; enrolling?: boolean };
  /**
   * Counted per client once the form parses; over the limit, `refused` instead of the action, told
   * the wait in English words ("5 minutes") and in whole minutes (for a message in the shopper's language).
   */
  limit?: { rule: RateLimit; refused: (wait: string, input: Input, minutes: number) => State | Promise<State> };
}

/** The audit row of an action: who and from where are filled in. */
export type AuditNote = Omit<AuditEntry, "person" | "address">;

export interface ActionContext {
  db: Db;
  headers: Headers;
  /** The client as rate limits know it (lib/security/rate-limit.ts `clientAddress`). */
  client: string;
  /** The signed-in person's session (merchant actions only; null otherwise). */
  merchant: LiveSession | null;
  /** Appends to the audit log, as this person from this address. */
  audit: (note: AuditNote) => Promise<void>;
}

export async function guard<State, Input>(
  rules: ActionRules<State, Input>,
  formData: FormData,
  run: (input: Input, context: ActionContext) => Promise<State>,
  scope?: RequestScope,
): Promise<State> {
  const { db, headers, trustedProxyCount, merchant: session } = scope ?? (await requestScope());
  const client = clientAddress(headers, trustedProxyCount);
  const merchant = rules.merchant ? await session() : null;
  const audit = (note: AuditNote) => recordAudit(db, { ...note, person: merchant?.person ?? null, address: client });
  if (rules.merchant) {
    if (!merchant) return rules.merchant.signedOut;
    let why: string | null = null;
    if (!can(merchant.person.role, rules.merchant.permission)) why = `${ROLE_LABELS[merchant.person.role]}s may not do this: ask an owner${rules.merchant.permission.startsWith("people") || rules.merchant.permission.startsWith("security") ? "" : " or a manager"}.`;
    else if (!rules.merchant.enrolling && (await mustSetUpSecondFactor(db, merchant.secondFactor))) why = "The shop requires a second factor: set one up on the Security page first.";
    if (why) {
      await audit({ action: rules.merchant.action, outcome: "refused", detail: why });
      return rules.merchant.refused(why);
    }
  }
  const input = await rules.input.safeParseAsync(fields(formData));
  if (!input.success) return rules.invalid(input.error);
  if (rules.limit) {
    const verdict = await hitRateLimit(db, rules.limit.rule, client);
    if (!verdict.allowed) return rules.limit.refused(waitInMinutes(verdict), input.data, minutesToWait(verdict));
  }
  return inRequest(headers, () => run(input.data, { db, headers, client, merchant, audit }));
}

/**
 * Step-up for a money action: null when a second factor was entered in this session within the
 * last five minutes, or the form carries one that counts now (a code, or a passkey's answer to
 * this session's challenge: lib/auth/second-factor.ts proveSecondFactor; the session then counts
 * as fresh again); otherwise why not. Tries count against the sign-in limit, per person.
 */
export async function stepUp(context: ActionContext, proof: StepUpProof): Promise<string | null> {
  const merchant = context.merchant;
  if (!merchant) return "Your session has ended. Please sign in again.";
  const methods = merchant.secondFactor;
  if (!hasSecondFactor(methods)) return "Money leaves the shop only after a second factor: set up an authenticator app or a passkey on the Security page first.";
  if (stepUpFresh(merchant.secondFactorAt, Date.now())) return null;
  const given = { code: proof.stepUpCode?.trim() || null, passkey: proof.stepUpPasskey || null };
  if (!given.code && !given.passkey) {
    return methods.app ? `Confirm with the 6-digit code from your authenticator app (or a recovery code)${methods.passkey ? ", or with a passkey" : ""}.` : "Confirm with your passkey.";
  }
  const verdict = await hitRateLimit(context.db, LIMITS.signIn, `step-up:${merchant.person.id}`);
  if (!verdict.allowed) return `Too many tries. Try again in ${waitInMinutes(verdict)}.`;
  const proved = await proveSecondFactor(context.db, loadConfig().passkeys, { person: merchant.person, sessionId: merchant.id, purpose: "step-up", address: context.client }, given);
  if (!proved.ok) return proved.error;
  await markSecondFactor(context.db, merchant.id);
  return null;
}

/** Like `formData.get` for every name: a repeated name keeps its first value. */
function fields(formData: FormData): Record<string, FormDataEntryValue | null> {
  return Object.fromEntries([...new Set(formData.keys())].map((name) => [name, formData.get(name)]));
}

/**
 * The step-up fields a money form may carry (absent until the form asks for them): a code typed,
 * or a passkey's answer (components/admin/step-up-field.tsx). Spread into the action's schema.
 */
export const stepUpFields = {
  stepUpCode: z.string().max(40).nullish().catch(null),
  stepUpPasskey: z.string().max(PASSKEY_ANSWER_MAX).nullish().catch(null),
};
export type StepUpProof = { stepUpCode?: string | null; stepUpPasskey?: string | null };
