"use server";

import { revalidatePath } from "next/cache";
import { refundDeps } from "../server/deps";
import { z } from "zod";
import { endRefund, findRefund, refundFormSchema, requestRefund, sendRefund, type Refund, type RefundDeps, type RefundResult } from "../refunds";
import { decideRefundRequest, findRefundRequest, recordRefundRequest } from "../refunds/approval";
import { centsToDecimal } from "../rules/money";
import { can } from "../rules/roles";
import { guard, stepUp, stepUpFields, type ActionContext } from "./guard";

export type RefundState = {
  message: string | null;
  error: string | null;
  field: string | null;
  /** What the merchant typed, kept when the form is refused (React resets the form after an action). */
  values?: Record<"network" | "token" | "address" | "amount", string>;
  /** The form asks for a second factor (step-up), keeping what was typed. */
  needsCode?: boolean;
};

const NOT_SIGNED_IN = "Your session has ended. Please sign in again.";

function typed(formData: FormData): RefundState["values"] {
  const text = (name: string) => String(formData.get(name) ?? "").slice(0, 200);
  return { network: text("network"), token: text("token"), address: text("address"), amount: text("amount") };
}

const refused = (why: string): RefundState => ({ message: null, error: why, field: null });

/**
 * The merchant's refund form. An owner or manager sends it (with a second factor entered in the
 * last five minutes): recorded with its idempotency key before PayRam is asked (lib/refunds). A
 * staff member's is recorded as a request awaiting approval; PayRam is not asked.
 */
export async function refundAction(_state: RefundState, formData: FormData): Promise<RefundState> {
  const rules = {
    merchant: { signedOut: refused(NOT_SIGNED_IN), permission: "refunds.request" as const, action: "refund.request", refused },
    input: refundFormSchema.extend(stepUpFields),
    invalid: (error: z.ZodError): RefundState => {
      const issue = error.issues[0];
      return { message: null, error: issue?.message ?? "Invalid input.", field: typeof issue?.path[0] === "string" ? issue.path[0] : null, values: typed(formData) };
    },
  };
  return guard(rules, formData, async ({ stepUpCode, stepUpPasskey, ...form }, context) => {
    const what = `$${centsToDecimal(form.amount)} as ${form.token} on ${form.network} to ${form.address}`;
    if (!can(context.merchant!.person.role, "refunds.send")) {
      const result = await recordRefundRequest(context.db, form, context.merchant!.person.id);
      await context.audit({ action: "refund.request", outcome: result.ok ? "needs_approval" : "refused", orderId: form.orderId, detail: result.ok ? what : `${what}: ${result.error}` });
      revalidatePath(`/admin/orders/${form.orderId}`);
      return result.ok ? { message: result.message, error: null, field: null } : { message: null, error: result.error, field: result.field ?? null, values: typed(formData) };
    }
    const why = await stepUp(context, { stepUpCode, stepUpPasskey });
    if (why) {
      await context.audit({ action: "refund.send", outcome: "refused", orderId: form.orderId, detail: `${what}: ${why}` });
      return { message: null, error: why, field: null, values: typed(formData), needsCode: true };
    }
    const result = await requestRefund(refundDeps(context.db), form);
    await context.audit({ action: "refund.send", outcome: result.ok ? "done" : "refused", orderId: form.orderId, refundId: result.ok ? result.refund.id : null, detail: result.ok ? `${what}: ${result.message}` : `${what}: ${result.error}` });
    revalidatePath(`/admin/orders/${form.orderId}`);
    return result.ok ? { message: result.message, error: null, field: null } : { message: null, error: result.error, field: result.field ?? null, values: typed(formData) };
  });
}

/** A merchant's button on one refund: `run` with it, audited, then the order's page again. */
async function onRefund(formData: FormData, action: string, run: (deps: RefundDeps, refund: Refund) => Promise<RefundResult>): Promise<RefundState> {
  const rules = {
    merchant: { signedOut: refused(NOT_SIGNED_IN), permission: "refunds.send" as const, action, refused },
    input: z.object({ refundId: z.uuid() }),
    invalid: (): RefundState => refused("Unknown refund."),
  };
  return guard(rules, formData, async ({ refundId }, { db, audit }) => {
    const refund = await findRefund(db, refundId);
    if (!refund) return refused("Unknown refund.");
    const result = await run(refundDeps(db), refund);
    const after = result.ok ? result.refund.status : ((await findRefund(db, refundId))?.status ?? refund.status);
    await audit({ action, outcome: result.ok ? "done" : "refused", orderId: refund.order_id, refundId, detail: `${refund.status} -> ${after}: ${result.ok ? result.message : result.error}` });
    revalidatePath(`/admin/orders/${refund.order_id}`);
    return result.ok ? { message: result.message, error: null, field: null } : refused(result.error);
  });
}

/** "Ask PayRam again" on a refund still in flight: its stored body with its key (never a second payout), or a fresh read. */
export async function retryRefundAction(_state: RefundState, formData: FormData): Promise<RefundState> {
  return onRefund(formData, "refund.retry", (deps, refund) => sendRefund(deps, refund));
}

/**
 * "End this refund" on a refund stuck in flight: checked on the server (lib/refunds endRefund) —
 * only one PayRam has not answered with a payout, and only once PayRam's payout list shows none.
 */
export async function endRefundAction(_state: RefundState, formData: FormData): Promise<RefundState> {
  return onRefund(formData, "refund.end", (deps, refund) => endRefund(deps, refund.id));
}

/**
 * An owner's or manager's decision on a staff member's refund request. Approving sends it, and
 * needs a second factor entered in the last five minutes; declining does not.
 */
export async function decideRefundRequestAction(_state: RefundState, formData: FormData): Promise<RefundState> {
  const rules = {
    merchant: { signedOut: refused(NOT_SIGNED_IN), permission: "refunds.send" as const, action: "refund.approve", refused },
    input: z.object({ requestId: z.uuid(), decision: z.enum(["approved", "declined"]), ...stepUpFields }),
    invalid: (): RefundState => refused("Unknown refund request."),
  };
  return guard(rules, formData, async ({ requestId, decision, ...proof }, context: ActionContext) => {
    const request = await findRefundRequest(context.db, requestId);
    if (!request) return refused("Unknown refund request.");
    const action = decision === "approved" ? "refund.approve" : "refund.decline";
    const what = `$${centsToDecimal(Number(request.amount_cents))} as ${request.token} on ${request.network} to ${request.address} (request ${request.id})`;
    if (decision === "approved") {
      const why = await stepUp(context, proof);
      if (why) {
        await context.audit({ action, outcome: "refused", orderId: request.order_id, detail: `${what}: ${why}` });
        return { ...refused(why), needsCode: true };
      }
    }
    const result = await decideRefundRequest(refundDeps(context.db), requestId, decision, context.merchant!.person.id);
    const refundId = "refund" in result ? result.refund.id : null;
    await context.audit({ action, outcome: result.ok ? "done" : "refused", orderId: request.order_id, refundId, detail: `${what}: ${result.ok ? result.message : result.error}` });
    revalidatePath(`/admin/orders/${request.order_id}`);
    return result.ok ? { message: result.message, error: null, field: null } : refused(result.error);
  });
}
