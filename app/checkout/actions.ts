"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { clearCart } from "@/lib/cart";
import { readCartId, writeLastOrderId } from "@/lib/cart/cookie";
import { startCheckout } from "@/lib/payments/checkout";
import type { FieldErrors } from "@/lib/payments/checkout-form";
import { checkoutDeps } from "@/lib/payments/server";

export type CheckoutState = { error: string | null; fieldErrors: FieldErrors; reload: boolean };

/** "Pay with crypto": a thin wrapper around startCheckout, which does the work. */
export async function checkoutAction(_state: CheckoutState, formData: FormData): Promise<CheckoutState> {
  const deps = checkoutDeps();
  const result = await startCheckout(deps, { cartId: await readCartId(), form: Object.fromEntries(formData) });
  if (!result.ok) {
    if (result.reload) revalidatePath("/checkout");
    return { error: result.error, fieldErrors: result.fieldErrors ?? {}, reload: result.reload ?? false };
  }
  await writeLastOrderId(result.orderId);
  if (result.cartId) await clearCart(deps.db, result.cartId);
  revalidatePath("/", "layout");
  // Outside any try/catch: redirect() works by throwing.
  redirect(result.redirectTo);
}
