"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { findOrder, orderIdSchema } from "../orders";
import { payForOrder } from "../payments/checkout";
import { checkoutDeps } from "../payments/server";
import { LIMITS } from "../security/rate-limit";
import { guard } from "./guard";

export type PayAgainState = { error: string | null };

const NOT_FOUND: PayAgainState = { error: "We could not find this order." };

/**
 * "Pay again" / "Pay the remaining $X" after a cancelled or failed payment: a new PayRam payment
 * for the same order. The form names only the order: whether a payment may be opened, and for how
 * much, is decided by payForOrder with the order locked. A payment still open sends the shopper to
 * it; a paid order, to its status page.
 */
export async function payAgainAction(_state: PayAgainState, formData: FormData): Promise<PayAgainState> {
  const rules = {
    input: z.object({ orderId: orderIdSchema }),
    invalid: () => NOT_FOUND,
    // Like the checkout: every submission that may open a PayRam payment counts against the client.
    limit: { rule: LIMITS.checkout, refused: (wait: string) => ({ error: `Too many payment attempts from your network. Please try again in ${wait}.` }) },
  };
  return guard(rules, formData, async ({ orderId }, { db }) => {
    const order = await findOrder(db, orderId);
    if (!order) return NOT_FOUND;
    const result = await payForOrder(checkoutDeps(), order);
    if (!result.ok) return { error: result.error };
    redirect(result.redirectTo);
  });
}
