"use server";

import { getLocale } from "next-intl/server";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { readCartId, writeLastOrderId } from "../cart/cookie";
import { startCheckout } from "../checkout/checkout";
import { checkoutDeps } from "../server/deps";
import { LIMITS } from "../security/rate-limit";
import { inWords } from "../i18n/messages";
import { said } from "../i18n/said";
import { guard } from "./guard";

export type CheckoutState = {
  error: string | null;
  /** Each refused field's message, in the shopper's language. */
  fieldErrors: Partial<Record<string, string>>;
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
    invalid: async () => ({ error: inWords(await getLocale(), said("correctFields")), fieldErrors: {}, values: {} }),
    limit: {
      rule: LIMITS.checkout,
      refused: async (_wait: string, form: CheckoutForm, minutes: number) => ({
        error: inWords(await getLocale(), said("checkoutRateLimited", { minutes })),
        fieldErrors: {},
        values: keptValues(form),
      }),
    },
  };
  return guard(rules, formData, async (form, { client }) => {
    const locale = await getLocale();
    const result = await startCheckout(checkoutDeps(), { cartId: await readCartId(), client, form, locale });
    if (!result.ok) {
      // New prices or a new token: render the page again around the message.
      if (result.reload) revalidatePath("/checkout");
      const fieldErrors = Object.fromEntries(Object.entries(result.fieldErrors ?? {}).map(([field, error]) => [field, error && inWords(locale, error)]));
      return { error: inWords(locale, result.error), fieldErrors, values: keptValues(form) };
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
