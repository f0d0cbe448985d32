"use server";

import { revalidatePath } from "next/cache";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { readCartId, writeLastOrderId } from "@/lib/cart/cookie";
import { startCheckout } from "@/lib/payments/checkout";
import type { FieldErrors } from "@/lib/payments/checkout-form";
import { checkoutDeps } from "@/lib/payments/server";
import { loadConfig } from "@/lib/config";
import { inRequest } from "@/lib/log";
import { clientAddress, hitRateLimit, LIMITS, waitInMinutes } from "@/lib/security/rate-limit";

export type CheckoutState = {
  error: string | null;
  fieldErrors: FieldErrors;
  /** What the shopper typed, shown again after an error (React resets a form after its action). */
  values: Record<string, string>;
};

const KEPT_FIELDS = ["email", "shippingName", "shippingLine1", "shippingLine2", "shippingCity", "shippingRegion", "shippingPostalCode", "shippingCountry"];

/** "Pay with crypto": a thin wrapper around startCheckout, which does the work. */
export async function checkoutAction(_state: CheckoutState, formData: FormData): Promise<CheckoutState> {
  const deps = checkoutDeps();
  const requestHeaders = await headers();
  const limited = await hitRateLimit(deps.db, LIMITS.checkout, clientAddress(requestHeaders, loadConfig().trustedProxyCount));
  if (!limited.allowed) {
    return { error: `Too many checkout attempts from your network. Please try again in ${waitInMinutes(limited)}; your cart is saved.`, fieldErrors: {}, values: keptValues(formData) };
  }
  const cartId = await readCartId();
  const result = await inRequest(requestHeaders, () => startCheckout(deps, { cartId, form: Object.fromEntries(formData) }));
  if (!result.ok) {
    // New prices or a new token: render the page again around the message.
    if (result.reload) revalidatePath("/checkout");
    return { error: result.error, fieldErrors: result.fieldErrors ?? {}, values: keptValues(formData) };
  }
  await writeLastOrderId(result.orderId);
  revalidatePath("/", "layout");
  // Outside any try/catch: redirect() works by throwing.
  redirect(result.redirectTo);
}

function keptValues(formData: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of KEPT_FIELDS) {
    const value = formData.get(name);
    if (typeof value === "string") values[name] = value.slice(0, 300);
  }
  return values;
}
