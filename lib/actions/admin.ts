"use server";

import { revalidatePath } from "next/cache";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { resolveAttention, resolveInputSchema } from "../notify/attention";
import { currentMerchant, endSession, startSession } from "../server/auth";
import { recordAudit } from "../auth/audit";
import { emailSchema, findPersonByEmail } from "../auth/people";
import type { Permission } from "../rules/roles";
import { cancelOrder, releaseOrderStock } from "../orders/cancel";
import { PASSKEY_ANSWER_MAX } from "../auth/passkeys";
import { attemptSignIn, KNOWN_BROWSER_COOKIE, KNOWN_BROWSER_TTL_DAYS, WRONG_PASSWORD, type SecondStep } from "../auth/sign-in";
import { describeSyncNow, syncOrderNow } from "../payments/sync-now";
import { loadConfig } from "../config";
import { orderIdSchema } from "../orders";
import { adminReturnPath } from "../security/return-path";
import { syncDeps } from "../server/deps";
import { guard, stepUp, stepUpFields } from "./guard";

const NOT_SIGNED_IN = "Your session has ended. Please sign in again.";

export type SignInState = {
  error: string | null;
  /** The password was right: the form asks for the second factor (a code, a passkey), keeping what was typed. */
  secondStep?: SecondStep;
  email?: string;
};

const signInSchema = z.object({
  email: z.string().max(254).catch(""),
  // Any string: one with control characters is compared like any other, and is simply wrong.
  password: z.string().max(512).catch(""),
  code: z.string().max(20).optional().catch(undefined),
  passkey: z.string().max(PASSKEY_ANSWER_MAX).optional().catch(undefined),
  // Only back into the merchant area, normalised before it is checked: never an open redirect.
  next: z.string().max(2_000).transform(adminReturnPath).catch("/admin"),
});

export async function signInAction(_state: SignInState, formData: FormData): Promise<SignInState> {
  // The sign-in's own limits, per address and shop-wide, live in lib/auth/sign-in.ts.
  return guard({ input: signInSchema, invalid: () => ({ error: WRONG_PASSWORD }) }, formData, async ({ email, password, code, passkey, next }, { db, client }) => {
    const config = loadConfig();
    const jar = await cookies();
    const outcome = await attemptSignIn(db, config, { email, password, code, passkey, client, knownBrowser: jar.get(KNOWN_BROWSER_COOKIE)?.value });
    const who = outcome.ok ? outcome.person : ((await findPersonByEmail(db, email)) ?? null);
    await recordAudit(db, {
      person: who ? { id: who.id, email: who.email } : null,
      action: "sign-in",
      outcome: outcome.ok ? "done" : "refused",
      // What was typed as the email only when it is one: a password typed in the wrong field is never kept.
      detail: outcome.ok ? (outcome.secondFactor ? `with a second factor (${outcome.secondFactor})` : "with a password") : `${emailSchema.safeParse(email).success ? email.trim().toLowerCase() : "(not an email address)"}: ${outcome.error}`,
      address: client,
    });
    if (!outcome.ok) return { error: outcome.error, secondStep: outcome.secondStep, email };
    if (outcome.knownBrowser) {
      jar.set(KNOWN_BROWSER_COOKIE, outcome.knownBrowser, {
        httpOnly: true,
        sameSite: "strict",
        secure: config.nodeEnv === "production" && config.appBaseUrl.startsWith("https:"),
        path: "/admin",
        maxAge: KNOWN_BROWSER_TTL_DAYS * 24 * 60 * 60,
      });
    }
    await startSession(outcome.person.id, outcome.secondFactor !== null, client);
    redirect(next);
  });
}

/** Needs no session: signing out without one changes nothing and still leads to the sign-in page. */
export async function signOutAction(formData: FormData): Promise<void> {
  return guard({ input: z.object({}), invalid: () => undefined }, formData, async (_input, { db, client }) => {
    const merchant = await currentMerchant();
    if (merchant) await recordAudit(db, { person: merchant.person, action: "sign-out", outcome: "done", address: client });
    await endSession();
    redirect("/admin/sign-in");
  });
}

/** What a merchant's command on one order answers: a message, or an error (`needsCode`: the form asks for a second factor). */
export type OrderCommandState = { message: string | null; error: string | null; needsCode?: boolean };

/** A merchant's command on one order: signed in, allowed, and an order id. */
const orderCommand = (permission: Permission, action: string) => ({
  merchant: { signedOut: { message: null, error: NOT_SIGNED_IN }, permission, action, refused: (why: string): OrderCommandState => ({ message: null, error: why }) },
  input: z.object({ orderId: orderIdSchema, ...stepUpFields }),
  invalid: (): OrderCommandState => ({ message: null, error: "Unknown order." }),
});

export type SyncNowState = OrderCommandState;

export async function syncNowAction(_state: SyncNowState, formData: FormData): Promise<SyncNowState> {
  return guard(orderCommand("orders.read", "order.sync"), formData, async ({ orderId }, { audit }) => {
    // Every reference of the order that may still move (or the newest, once all are final).
    const report = await syncOrderNow(syncDeps(), orderId);
    if (report) revalidatePath(`/admin/orders/${orderId}`);
    const answer = describeSyncNow(report);
    await audit({ action: "order.sync", outcome: answer.error ? "refused" : "done", orderId, detail: answer.error ?? answer.message });
    return answer;
  });
}

export type CancelOrderState = OrderCommandState;

/** A merchant's command that changes an order (lib/orders/cancel.ts): its answer, audited, and every page re-read. */
async function changeOrder(formData: FormData, command: typeof cancelOrder, action: string): Promise<OrderCommandState> {
  return guard(orderCommand("orders.cancel", action), formData, async ({ orderId, ...proof }, context) => {
    const before = await context.db.selectFrom("orders").select(["payment_state", "paid_at", "cancelled_at"]).where("id", "=", orderId).executeTakeFirst();
    // Cancelling a paid order makes its money refundable: a money action, with a fresh second factor.
    if (command === cancelOrder && before?.paid_at && !before.cancelled_at) {
      const why = await stepUp(context, proof);
      if (why) {
        await context.audit({ action, outcome: "refused", orderId, detail: why });
        return { message: null, error: why, needsCode: true };
      }
    }
    const result = await command(context.db, orderId);
    const after = await context.db.selectFrom("orders").select("payment_state").where("id", "=", orderId).executeTakeFirst();
    await context.audit({ action, outcome: result.ok ? "done" : "refused", orderId, detail: result.ok ? `${before?.payment_state ?? "?"} -> ${after?.payment_state ?? "?"}: ${result.message}` : result.error });
    if (!result.ok) return { message: null, error: result.error };
    revalidatePath("/", "layout");
    return { message: result.message, error: null };
  });
}

export async function cancelOrderAction(_state: CancelOrderState, formData: FormData): Promise<CancelOrderState> {
  return changeOrder(formData, cancelOrder, "order.cancel");
}

export type ReleaseStockState = OrderCommandState;

/** Puts an unpaid order's stock back on sale while its payment is open at PayRam (lib/orders/cancel.ts releaseOrderStock). */
export async function releaseStockAction(_state: ReleaseStockState, formData: FormData): Promise<ReleaseStockState> {
  return changeOrder(formData, releaseOrderStock, "order.release-stock");
}

export type ResolveState = { error: string | null };

export async function resolveAttentionAction(_state: ResolveState, formData: FormData): Promise<ResolveState> {
  const rules = {
    merchant: { signedOut: { error: NOT_SIGNED_IN }, permission: "attention.resolve" as const, action: "attention.resolve", refused: (why: string): ResolveState => ({ error: why }) },
    input: resolveInputSchema,
    invalid: (error: z.ZodError): ResolveState => ({ error: error.issues[0]?.message ?? "Invalid input." }),
  };
  return guard(rules, formData, async ({ id, note }, { db, audit }) => {
    await resolveAttention(db, id, note);
    await audit({ action: "attention.resolve", outcome: "done", detail: `item ${id}${note ? `: ${note}` : ""}` });
    revalidatePath("/admin", "layout");
    return { error: null };
  });
}
