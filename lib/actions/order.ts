"use server";

import { getLocale } from "next-intl/server";
import { redirect } from "next/navigation";
import { inWords } from "../i18n/messages";
import { said, type SaidKey } from "../i18n/said";
import { z } from "zod";
import { findOrder, orderIdSchema } from "../orders";
import { confirmRefundAddress, confirmTokenSchema, refundAddressFormSchema, submitRefundAddress } from "../refunds/address";
import { payForOrder } from "../checkout/checkout";
import { checkoutDeps } from "../server/deps";
import { LIMITS } from "../security/rate-limit";
import { guard } from "./guard";

export type PayAgainState = { error: string | null };

const notFound = async (): Promise<PayAgainState> => ({ error: inWords(await getLocale(), said("orderNotFound")) });

/**
 * "Pay again" / "Pay the remaining $X" after a cancelled or failed payment: a new PayRam payment
 * for the same order. The form names only the order: whether a payment may be opened, and for how
 * much, is decided by payForOrder with the order locked. A payment still open sends the shopper to
 * it; a paid order, to its status page.
 */
export async function payAgainAction(_state: PayAgainState, formData: FormData): Promise<PayAgainState> {
  const rules = {
    input: z.object({ orderId: orderIdSchema }),
    invalid: notFound,
    // Like the checkout: every submission that may open a PayRam payment counts against the client.
    limit: { rule: LIMITS.checkout, refused: async (_wait: string, _input: unknown, minutes: number) => ({ error: inWords(await getLocale(), said("paymentsRateLimited", { minutes })) }) },
  };
  return guard(rules, formData, async ({ orderId }, { db }) => {
    const order = await findOrder(db, orderId);
    if (!order) return notFound();
    const result = await payForOrder(checkoutDeps(), order);
    if (!result.ok) return { error: inWords(await getLocale(), result.error) };
    redirect(result.redirectTo);
  });
}

export type RefundAddressState = { ok: boolean; error: string | null; field: "address" | null; values?: Record<"network" | "token" | "address", string> };

/** "Where should we send your refund?": recorded unconfirmed, and the confirmation link mailed to the order's address. */
export async function refundAddressAction(_state: RefundAddressState, formData: FormData): Promise<RefundAddressState> {
  const values = { network: String(formData.get("network") ?? ""), token: String(formData.get("token") ?? ""), address: String(formData.get("address") ?? "").slice(0, 200) };
  const rules = {
    input: refundAddressFormSchema,
    invalid: async (error: z.ZodError): Promise<RefundAddressState> => ({
      ok: false,
      error: inWords(await getLocale(), said((error.issues[0]?.message ?? "checkForm") as SaidKey)),
      field: error.issues[0]?.path[0] === "address" ? "address" : null,
      values,
    }),
  };
  // Counted in submitRefundAddress per client, only for an order that owes a refund (a guessed order id writes nothing).
  return guard(rules, formData, async (form, { db, client }) => {
    const result = await submitRefundAddress(db, form, client);
    return result.ok ? { ok: true, error: null, field: null } : { ok: false, error: inWords(await getLocale(), result.error), field: result.field ?? null, values };
  });
}

export type ConfirmAddressState = { ok: boolean; error: string | null };

/** The mailed link's page: confirming is a button, not the link itself (mail scanners follow links). */
export async function confirmRefundAddressAction(_state: ConfirmAddressState, formData: FormData): Promise<ConfirmAddressState> {
  const rules = {
    input: z.object({ orderId: orderIdSchema, token: confirmTokenSchema }),
    invalid: async (): Promise<ConfirmAddressState> => ({ ok: false, error: inWords(await getLocale(), said("linkNotValid")) }),
  };
  return guard(rules, formData, async ({ orderId, token }, { db }): Promise<ConfirmAddressState> => {
    const result = await confirmRefundAddress(db, orderId, token);
    return result.ok ? { ok: true, error: null } : { ok: false, error: inWords(await getLocale(), result.error) };
  });
}
