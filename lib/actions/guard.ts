import "server-only";
import { headers } from "next/headers";
import type { z } from "zod";
import { isSignedIn } from "../server/auth";
import { loadConfig } from "../config";
import type { Db } from "../db";
import { getDb } from "../server/db";
import { inRequest } from "../log";
import { clientAddress, hitRateLimit, minutesToWait, waitInMinutes, type RateLimit } from "../security/rate-limit";

/**
 * The one door every server action goes through (a server action is a public endpoint: anyone
 * can post to it with any fields). In this order: the merchant's session, the form parsed by the
 * action's zod schema, the action's rate limit, then the action itself, with the request's id on
 * every log line it writes. Not a "use server" module: its exports must not become endpoints.
 */
export interface ActionRules<State, Input> {
  /** The form's fields (first value of each name; names not in the schema are dropped). */
  input: z.ZodType<Input>;
  /** The answer to a form the schema refuses. */
  invalid: (error: z.ZodError) => State | Promise<State>;
  /** A merchant action: without a live session it answers `signedOut` and does nothing else. */
  merchant?: { signedOut: State };
  /**
   * Counted per client once the form parses; over the limit, `refused` instead of the action, told
   * the wait in English words ("5 minutes") and in whole minutes (for a message in the shopper's language).
   */
  limit?: { rule: RateLimit; refused: (wait: string, input: Input, minutes: number) => State | Promise<State> };
}

export interface ActionContext {
  db: Db;
  headers: Headers;
  /** The client as rate limits know it (lib/security/rate-limit.ts `clientAddress`). */
  client: string;
}

/** What the guard reads from the request. Next's own by default; tests pass theirs. */
export interface RequestScope {
  db: Db;
  headers: Headers;
  trustedProxyCount: number;
  signedIn: () => Promise<boolean>;
}

export async function guard<State, Input>(
  rules: ActionRules<State, Input>,
  formData: FormData,
  run: (input: Input, context: ActionContext) => Promise<State>,
  scope?: RequestScope,
): Promise<State> {
  const { db, headers, trustedProxyCount, signedIn } = scope ?? (await nextScope());
  if (rules.merchant && !(await signedIn())) return rules.merchant.signedOut;
  const input = await rules.input.safeParseAsync(fields(formData));
  if (!input.success) return rules.invalid(input.error);
  const client = clientAddress(headers, trustedProxyCount);
  if (rules.limit) {
    const verdict = await hitRateLimit(db, rules.limit.rule, client);
    if (!verdict.allowed) return rules.limit.refused(waitInMinutes(verdict), input.data, minutesToWait(verdict));
  }
  return inRequest(headers, () => run(input.data, { db, headers, client }));
}

async function nextScope(): Promise<RequestScope> {
  return { db: getDb(), headers: await headers(), trustedProxyCount: loadConfig().trustedProxyCount, signedIn: isSignedIn };
}

/** Like `formData.get` for every name: a repeated name keeps its first value. */
function fields(formData: FormData): Record<string, FormDataEntryValue | null> {
  return Object.fromEntries([...new Set(formData.keys())].map((name) => [name, formData.get(name)]));
}
