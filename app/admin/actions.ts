"use server";

import { revalidatePath } from "next/cache";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { resolveAttention, resolveInputSchema } from "@/lib/admin/attention";
import { endSession, isSignedIn, startSession } from "@/lib/admin/auth";
import { attemptSignIn, KNOWN_BROWSER_COOKIE, KNOWN_BROWSER_TTL_DAYS } from "@/lib/admin/sign-in";
import { loadConfig } from "@/lib/config";
import { getDb } from "@/lib/db/server";
import { inRequest } from "@/lib/log";
import { orderIdSchema } from "@/lib/orders";
import { syncDeps } from "@/lib/payments/server";
import { syncPayment } from "@/lib/payments/sync";
import { clientAddress } from "@/lib/security/rate-limit";

/** Every admin action checks the session itself: a server action is a public endpoint. */
const NOT_SIGNED_IN = "Your session has ended. Please sign in again.";

export type SignInState = { error: string | null };

/** Any string: one with control characters is compared like any other, and is simply wrong. */
const passwordSchema = z.string();

export async function signInAction(_state: SignInState, formData: FormData): Promise<SignInState> {
  const config = loadConfig();
  const password = passwordSchema.safeParse(formData.get("password"));
  const jar = await cookies();
  // Slows guessing down on every instance at once, per address and shop-wide (lib/admin/sign-in.ts).
  const outcome = await attemptSignIn(getDb(), config, {
    password: password.success ? password.data : "",
    client: clientAddress(await headers(), config.trustedProxyCount),
    knownBrowser: jar.get(KNOWN_BROWSER_COOKIE)?.value,
  });
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
  const next = formData.get("next");
  // Only back into the merchant area: never an open redirect.
  redirect(typeof next === "string" && /^\/admin(\/[A-Za-z0-9/_\-.?=&%]*)?$/.test(next) && !next.startsWith("/admin/sign-in") ? next : "/admin");
}

export async function signOutAction(): Promise<void> {
  await endSession();
  redirect("/admin/sign-in");
}

export type SyncNowState = { message: string | null; error: string | null };

export async function syncNowAction(_state: SyncNowState, formData: FormData): Promise<SyncNowState> {
  if (!(await isSignedIn())) return { message: null, error: NOT_SIGNED_IN };
  const orderId = orderIdSchema.safeParse(formData.get("orderId"));
  if (!orderId.success) return { message: null, error: "Unknown order." };
  const db = getDb();
  const attempt = await db
    .selectFrom("payment_attempts")
    .select(["reference_id", "state"])
    .where("order_id", "=", orderId.data)
    .where("reference_id", "is not", null)
    .orderBy("attempt_number", "desc")
    .executeTakeFirst();
  if (!attempt?.reference_id) return { message: "This order has no PayRam payment to sync.", error: null };
  try {
    const referenceId = attempt.reference_id;
    const result = await inRequest(await headers(), () => syncPayment(syncDeps(), { referenceId }, "merchant"));
    revalidatePath(`/admin/orders/${orderId.data}`);
    if (result.outcome === "changed") return { message: `Updated from PayRam: ${result.from} → ${result.to}${result.fulfilled ? ", order paid and queued for fulfilment" : ""}.`, error: null };
    if (result.outcome === "unknown_at_payram") return { message: "PayRam does not know this payment.", error: null };
    return { message: `No change: PayRam still says ${attempt.state}.`, error: null };
  } catch (error) {
    return { message: null, error: `PayRam could not be asked: ${error instanceof Error ? error.message : "unknown error"}` };
  }
}

export type ResolveState = { error: string | null };

export async function resolveAttentionAction(_state: ResolveState, formData: FormData): Promise<ResolveState> {
  if (!(await isSignedIn())) return { error: NOT_SIGNED_IN };
  const input = resolveInputSchema.safeParse({ id: formData.get("id"), note: formData.get("note") });
  if (!input.success) return { error: input.error.issues[0]?.message ?? "Invalid input." };
  await resolveAttention(getDb(), input.data.id, input.data.note);
  revalidatePath("/admin", "layout");
  return { error: null };
}
