"use server";

import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { getDb } from "@/lib/db/server";
import { inRequest } from "@/lib/log";
import { findOrder } from "@/lib/orders";
import { latestAttempt } from "@/lib/payments/attempts";
import { payForOrder } from "@/lib/payments/checkout";
import { checkoutDeps } from "@/lib/payments/server";
import { canPayAgain } from "@/lib/payments/status";
import { loadConfig } from "@/lib/config";
import { clientAddress, hitRateLimit, LIMITS, waitInMinutes } from "@/lib/security/rate-limit";

export type PayAgainState = { error: string | null };

/** "Pay again" after a cancelled or failed payment: a new PayRam payment for the same order. */
export async function payAgainAction(_state: PayAgainState, formData: FormData): Promise<PayAgainState> {
  const orderId = formData.get("orderId");
  const order = typeof orderId === "string" ? await findOrder(getDb(), orderId) : null;
  if (!order) return { error: "We could not find this order." };
  if (!canPayAgain(order, await latestAttempt(getDb(), order.id))) {
    // Already paid, still open, or money to sort out: the page shows which.
    redirect(`/orders/${order.id}`);
  }
  const requestHeaders = await headers();
  const deps = checkoutDeps();
  // Like the checkout: every submission that may open a PayRam payment counts against the client.
  const limited = await hitRateLimit(deps.db, LIMITS.checkout, clientAddress(requestHeaders, loadConfig().trustedProxyCount));
  if (!limited.allowed) return { error: `Too many payment attempts from your network. Please try again in ${waitInMinutes(limited)}.` };
  const result = await inRequest(requestHeaders, () => payForOrder(deps, order));
  if (!result.ok) return { error: result.error };
  redirect(result.redirectTo);
}
