import { beforeAll, expect, it } from "vitest";
import { z } from "zod";
import { describeOnEachDatabase } from "@/test/databases";
import { createPerson } from "../auth/people";
import { liveSession, openSession, revokeSession } from "../auth/session-store";
import type { RateLimit } from "../security/rate-limit";
import { guard, type ActionRules, type RequestScope } from "./guard";

const KEYS = { sessionSecret: "guard-test-secret-0123456789abcdef-0123" };

type State = { error: string | null; did?: string };

function form(fields: [string, string][]): FormData {
  const data = new FormData();
  for (const [name, value] of fields) data.append(name, value);
  return data;
}

describeOnEachDatabase("the server actions' guard", (get) => {
  /** The request as the guard sees it, with the merchant's cookie (if any) checked against the database. */
  const scope = (options: { cookie?: string; forwardedFor?: string } = {}): RequestScope => ({
    db: get().db,
    headers: new Headers(options.forwardedFor ? { "x-forwarded-for": options.forwardedFor } : {}),
    trustedProxyCount: 1,
    merchant: () => liveSession(get().db, KEYS, options.cookie),
  });
  let personId = "";
  beforeAll(async () => {
    const made = await createPerson(get().db, { email: "manager@example.com", role: "manager", password: "the manager's password" });
    if (!made.ok) throw new Error(made.error);
    personId = made.person.id;
  });
  const signIn = () => openSession(get().db, KEYS, { personId, userAgent: null, address: null, secondFactorAt: null });
  const ran: string[] = [];
  const run = async ({ name }: { name: string }): Promise<State> => {
    ran.push(name);
    return { error: null, did: `renamed to ${name}` };
  };
  const merchantRules: ActionRules<State, { name: string }> = {
    merchant: { signedOut: { error: "Your session has ended. Please sign in again." }, permission: "catalog.edit", action: "test.rename", refused: (why) => ({ error: why }) },
    input: z.object({ name: z.string().min(1, "Enter a name.") }),
    invalid: (error) => ({ error: error.issues[0]!.message }),
  };

  it("refuses a merchant action without a live session before it reads the form, and runs it with one", async () => {
    ran.length = 0;
    const signedOut = { error: "Your session has ended. Please sign in again." };
    expect(await guard(merchantRules, form([["name", "a"]]), run, scope())).toEqual(signedOut);
    expect(await guard(merchantRules, form([["name", "a"]]), run, scope({ cookie: "garbage" }))).toEqual(signedOut);
    // Even an invalid form gets the session's answer: nothing about the action leaks.
    expect(await guard(merchantRules, form([]), run, scope())).toEqual(signedOut);

    const session = await signIn();
    expect(await guard(merchantRules, form([["name", "b"]]), run, scope({ cookie: session }))).toEqual({ error: null, did: "renamed to b" });
    await revokeSession(get().db, KEYS, session);
    expect(await guard(merchantRules, form([["name", "c"]]), run, scope({ cookie: session }))).toEqual(signedOut);
    expect(ran).toEqual(["b"]);
  });

  it("answers a form its schema refuses without running the action, and passes on only the schema's fields, first value of each", async () => {
    ran.length = 0;
    const session = await signIn();
    expect(await guard(merchantRules, form([["name", ""]]), run, scope({ cookie: session }))).toEqual({ error: "Enter a name." });
    let seen: unknown;
    await guard(merchantRules, form([["name", "first"], ["name", "second"], ["price", "0"]]), async (input) => ((seen = input), { error: null }), scope({ cookie: session }));
    expect(seen).toEqual({ name: "first" });
    expect(ran).toEqual([]);
  });

  it("counts a parsed submission against the action's limit per client, and answers with the wait once over it", async () => {
    ran.length = 0;
    // A window far longer than the test: no window can end in the middle of it.
    const rule: RateLimit = { name: `guard_test_${get().dialect}`, limit: 2, windowMs: 1000 * 24 * 60 * 60_000 };
    const limited: ActionRules<State, { name: string }> = {
      input: z.object({ name: z.string().min(1, "Enter a name.") }),
      invalid: (error) => ({ error: error.issues[0]!.message }),
      limit: { rule, refused: (wait, input) => ({ error: `Too many renames to ${input.name}. Try again in ${wait}.` }) },
    };
    const one = scope({ forwardedFor: "192.0.2.1" });
    // A refused form is not counted.
    expect(await guard(limited, form([["name", ""]]), run, one)).toEqual({ error: "Enter a name." });
    expect(await guard(limited, form([["name", "a"]]), run, one)).toMatchObject({ error: null });
    expect(await guard(limited, form([["name", "b"]]), run, one)).toMatchObject({ error: null });
    expect(await guard(limited, form([["name", "c"]]), run, one)).toEqual({ error: expect.stringMatching(/^Too many renames to c\. Try again in \d+ minutes\.$/) });
    // Another client has its own allowance (the last X-Forwarded-For entry, behind one proxy).
    expect(await guard(limited, form([["name", "d"]]), run, scope({ forwardedFor: "192.0.2.1, 192.0.2.2" }))).toMatchObject({ error: null });
    expect(ran).toEqual(["a", "b", "d"]);
    const rows = await get().db.selectFrom("rate_limits").select(["bucket", "count"]).where("bucket", "like", `${rule.name}:%`).orderBy("bucket").execute();
    expect(rows).toEqual([
      { bucket: `${rule.name}:192.0.2.1`, count: 3 },
      { bucket: `${rule.name}:192.0.2.2`, count: 1 },
    ]);
  });
});
