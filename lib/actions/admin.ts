"use server";

import { revalidatePath } from "next/cache";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { resolveAttention, resolveInputSchema } from "../notify/attention";
import { endSession, startSession } from "../server/auth";
import { cancelOrder, releaseOrderStock } from "../orders/cancel";
import { attemptSignIn, KNOWN_BROWSER_COOKIE, KNOWN_BROWSER_TTL_DAYS } from "../auth/sign-in";
import { describeSyncNow, syncOrderNow } from "../payments/sync-now";
import { loadConfig } from "../config";
import { orderIdSchema } from "../orders";
import { adminReturnPath } from "../security/return-path";
import { syncDeps } from "../server/deps";
import { guard } from "./guard";

const NOT_SIGNED_IN = "Your session has ended. Please sign in again.";

export type SignInState = { error: string | null };

const signInSchema = z.object({
  // Any string: one with control characters is compared like any other, and is simply wrong.
  password: z.string().catch(""),
  // Only back into the merchant area, normalised before it is checked: never an open redirect.
  next: z.string().max(2_000).transform(adminReturnPath).catch("/admin"),
});

export async function signInAction(_state: SignInState, formData: FormData): Promise<SignInState> {
  // The sign-in's own limits, per address and shop-wide, live in lib/auth/sign-in.ts.
  return guard({ input: signInSchema, invalid: () => ({ error: "That password is not right." }) }, formData, async ({ password, next }, { db, client }) => {
    const config = loadConfig();
    const jar = await cookies();
    const outcome = await attemptSignIn(db, config, { password, client, knownBrowser: jar.get(KNOWN_BROWSER_COOKIE)?.value });
    if (!outcome.ok) return { error: outcome.error };
    if (outcome.knownBrowser) {
      jar.set(KNOWN_BROWSER_COOKIE, outcome.knownBrowser, {
        httpOnly: true,
        sameSite: "strict",
        secure: config.nodeEnv === "production" && config.appBaseUrl.startsWith("https:"),
        path: "/admin",
        maxAge: KNOWN_BROWSER_TTL_DAYS * 24 * 60 * 60,
      });
    }
    await startSession();
    redirect(next);
  });
}

/** Needs no session: signing out without one changes nothing and still leads to the sign-in page. */
export async function signOutAction(formData: FormData): Promise<void> {
  return guard({ input: z.object({}), invalid: () => undefined }, formData, async () => {
    await endSession();
    redirect("/admin/sign-in");
  });
}

/** What a merchant's command on one order answers: a message, or an error. */
export type OrderCommandState = { message: string | null; error: string | null };

/** A merchant's command on one order: signed in, and an order id. */
const ORDER_COMMAND = {
  merchant: { signedOut: { message: null, error: NOT_SIGNED_IN } },
  input: z.object({ orderId: orderIdSchema }),
  invalid: (): OrderCommandState => ({ message: null, error: "Unknown order." }),
};

export type SyncNowState = OrderCommandState;

export async function syncNowAction(_state: SyncNowState, formData: FormData): Promise<SyncNowState> {
  return guard(ORDER_COMMAND, formData, async ({ orderId }) => {
    // Every reference of the order that may still move (or the newest, once all are final).
    const report = await syncOrderNow(syncDeps(), orderId);
    if (report) revalidatePath(`/admin/orders/${orderId}`);
    return describeSyncNow(report);
  });
}

export type CancelOrderState = OrderCommandState;

/** A merchant's command that changes an order (lib/orders/cancel.ts): its answer, and every page re-read. */
async function changeOrder(formData: FormData, command: typeof cancelOrder): Promise<OrderCommandState> {
  return guard(ORDER_COMMAND, formData, async ({ orderId }, { db }) => {
    const result = await command(db, orderId);
    if (!result.ok) return { message: null, error: result.error };
    revalidatePath("/", "layout");
    return { message: result.message, error: null };
  });
}

export async function cancelOrderAction(_state: CancelOrderState, formData: FormData): Promise<CancelOrderState> {
  return changeOrder(formData, cancelOrder);
}

export type ReleaseStockState = OrderCommandState;

/** Puts an unpaid order's stock back on sale while its payment is open at PayRam (lib/orders/cancel.ts releaseOrderStock). */
export async function releaseStockAction(_state: ReleaseStockState, formData: FormData): Promise<ReleaseStockState> {
  return changeOrder(formData, releaseOrderStock);
}

export type ResolveState = { error: string | null };

export async function resolveAttentionAction(_state: ResolveState, formData: FormData): Promise<ResolveState> {
  const rules = {
    merchant: { signedOut: { error: NOT_SIGNED_IN } },
    input: resolveInputSchema,
    invalid: (error: z.ZodError): ResolveState => ({ error: error.issues[0]?.message ?? "Invalid input." }),
  };
  return guard(rules, formData, async ({ id, note }, { db }) => {
    await resolveAttention(db, id, note);
    revalidatePath("/admin", "layout");
    return { error: null };
  });
}
