"use server";

import { revalidatePath } from "next/cache";
import { refundDeps } from "../server/deps";
import { z } from "zod";
import { endRefund, findRefund, refundFormSchema, requestRefund, sendRefund, type Refund, type RefundDeps, type RefundResult } from "../refunds";
import { guard } from "./guard";

export type RefundState = {
  message: string | null;
  error: string | null;
  field: string | null;
  /** What the merchant typed, kept when the form is refused (React resets the form after an action). */
  values?: Record<"network" | "token" | "address" | "amount", string>;
};

function typed(formData: FormData): RefundState["values"] {
  const text = (name: string) => String(formData.get(name) ?? "").slice(0, 200);
  return { network: text("network"), token: text("token"), address: text("address"), amount: text("amount") };
}

/** The merchant's refund form: recorded with its idempotency key before PayRam is asked (lib/refunds). */
export async function refundAction(_state: RefundState, formData: FormData): Promise<RefundState> {
  const rules = {
    merchant: { signedOut: { message: null, error: "Your session has ended. Please sign in again.", field: null } },
    input: refundFormSchema,
    invalid: (error: z.ZodError): RefundState => {
      const issue = error.issues[0];
      return { message: null, error: issue?.message ?? "Invalid input.", field: typeof issue?.path[0] === "string" ? issue.path[0] : null, values: typed(formData) };
    },
  };
  return guard(rules, formData, async (form, { db }) => {
    const result = await requestRefund(refundDeps(db), form);
    revalidatePath(`/admin/orders/${form.orderId}`);
    return result.ok ? { message: result.message, error: null, field: null } : { message: null, error: result.error, field: result.field ?? null, values: typed(formData) };
  });
}

/** A merchant's button on one refund: `run` with it, then the order's page again. */
async function onRefund(formData: FormData, run: (deps: RefundDeps, refund: Refund) => Promise<RefundResult>): Promise<RefundState> {
  const rules = {
    merchant: { signedOut: { message: null, error: "Your session has ended. Please sign in again.", field: null } },
    input: z.object({ refundId: z.uuid() }),
    invalid: (): RefundState => ({ message: null, error: "Unknown refund.", field: null }),
  };
  return guard(rules, formData, async ({ refundId }, { db }) => {
    const refund = await findRefund(db, refundId);
    if (!refund) return { message: null, error: "Unknown refund.", field: null };
    const result = await run(refundDeps(db), refund);
    revalidatePath(`/admin/orders/${refund.order_id}`);
    return result.ok ? { message: result.message, error: null, field: null } : { message: null, error: result.error, field: null };
  });
}

/** "Ask PayRam again" on a refund still in flight: its stored body with its key (never a second payout), or a fresh read. */
export async function retryRefundAction(_state: RefundState, formData: FormData): Promise<RefundState> {
  return onRefund(formData, (deps, refund) => sendRefund(deps, refund));
}

/**
 * "End this refund" on a refund stuck in flight: checked on the server (lib/refunds endRefund) —
 * only one PayRam has not answered with a payout, and only once PayRam's payout list shows none.
 */
export async function endRefundAction(_state: RefundState, formData: FormData): Promise<RefundState> {
  return onRefund(formData, (deps, refund) => endRefund(deps, refund.id));
}
