"use server";

import { getLocale } from "next-intl/server";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { readCartId, writeLastOrderId } from "../cart/cookie";
import { startCheckout } from "../checkout/checkout";
import type { FieldErrors } from "../checkout/form";
import { checkoutDeps } from "../server/deps";
import { LIMITS } from "../security/rate-limit";
import { guard } from "./guard";

export type CheckoutState = {
  error: string | null;
  fieldErrors: FieldErrors;
  /** What the shopper typed, shown again after an error (React resets a form after its action). */
  values: Record<string, string>;
};

/**
 * The form's fields as text, or absent. Their content is startCheckout's to judge (lib/payments/
 * checkout-form.ts): it alone knows whether the cart ships, and answers with per-field errors.
 */
const text = z.string().optional().catch(undefined);
/** The fields shown again after an error. */
const keptSchema = z.object({
  email: text,
  shippingName: text,
  shippingLine1: text,
  shippingLine2: text,
  shippingCity: text,
  shippingRegion: text,
  shippingPostalCode: text,
  shippingCountry: text,
});
const formSchema = keptSchema.extend({ token: text });
type CheckoutForm = z.output<typeof formSchema>;

/** "Pay with crypto": a thin wrapper around startCheckout, which does the work. */
export async function checkoutAction(_state: CheckoutState, formData: FormData): Promise<CheckoutState> {
  const rules = {
    input: formSchema,
    invalid: () => ({ error: "Please correct the highlighted fields.", fieldErrors: {}, values: {} }),
    limit: {
      rule: LIMITS.checkout,
      refused: (wait: string, form: CheckoutForm) => ({
        error: `Too many checkout attempts from your network. Please try again in ${wait}; your cart is saved.`,
        fieldErrors: {},
        values: keptValues(form),
      }),
    },
  };
  return guard(rules, formData, async (form, { client }) => {
    const result = await startCheckout(checkoutDeps(), { cartId: await readCartId(), client, form, locale: await getLocale() });
    if (!result.ok) {
      // New prices or a new token: render the page again around the message.
      if (result.reload) revalidatePath("/checkout");
      return { error: result.error, fieldErrors: result.fieldErrors ?? {}, values: keptValues(form) };
    }
    await writeLastOrderId(result.orderId);
    revalidatePath("/", "layout");
    // Outside any try/catch: redirect() works by throwing.
    redirect(result.redirectTo);
  });
}

function keptValues(form: CheckoutForm): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of keptSchema.keyof().options) {
    const value = form[name];
    if (value !== undefined) values[name] = value.slice(0, 300);
  }
  return values;
}
