import { randomUUID } from "node:crypto";
import type { Selectable } from "kysely";
import { isUniqueViolation, type Db } from "../db";
import { nowIso, type RefundRequestsTable } from "../db/schema";
import { centsToDecimal } from "../rules/money";
import { refundableCents } from "../rules/refundable";
import { addressProblem } from "../payram/addresses";
import { inWords } from "../i18n/messages";
import { requestRefund, type RefundDeps, type RefundForm, type RefundResult } from "./index";

/**
 * A staff member's refund (issue 30): recorded as a request awaiting approval, and PayRam is not
 * asked. An owner or manager approves it (with a fresh second factor: lib/actions/refunds.ts),
 * which sends it as their own refund form would (lib/refunds requestRefund, the request's form
 * token as its idempotency handle: approving twice sends once); or declines it.
 */
export type RefundRequest = Selectable<RefundRequestsTable>;

export type RequestResult = { ok: true; request: RefundRequest; message: string } | { ok: false; error: string; field?: keyof RefundForm };

export async function recordRefundRequest(db: Db, form: RefundForm, personId: string): Promise<RequestResult> {
  const again = await db.selectFrom("refund_requests").selectAll().where("form_token", "=", form.formToken).executeTakeFirst();
  if (again) return again.order_id === form.orderId ? { ok: true, request: again, message: awaiting(again) } : { ok: false, error: "This form has expired: reload the page." };
  const badAddress = addressProblem(form.network, form.address);
  // The merchant area speaks English.
  if (badAddress) return { ok: false, error: inWords("en", badAddress), field: "address" };
  const order = await db.selectFrom("orders").select(["id", "received_cents", "total_cents", "paid_at", "cancelled_at"]).where("id", "=", form.orderId).executeTakeFirst();
  if (!order) return { ok: false, error: "Unknown order." };
  const refunds = await db.selectFrom("refunds").select(["amount_cents", "status"]).where("order_id", "=", order.id).execute();
  const refundable = refundableCents(order, refunds);
  if (form.amount > refundable) return { ok: false, error: refundable === 0 ? "Nothing of this order can be refunded now." : `At most $${centsToDecimal(refundable)} of this order can be refunded.`, field: "amount" };
  try {
    const request = await db
      .insertInto("refund_requests")
      .values({
        id: randomUUID(),
        order_id: order.id,
        form_token: form.formToken,
        network: form.network,
        token: form.token,
        address: form.address,
        amount_cents: form.amount,
        requested_by: personId,
        created_at: nowIso(),
        decision: null,
        decided_by: null,
        decided_at: null,
        refund_id: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { ok: true, request, message: awaiting(request) };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const twin = await db.selectFrom("refund_requests").selectAll().where("form_token", "=", form.formToken).executeTakeFirstOrThrow();
    return { ok: true, request: twin, message: awaiting(twin) };
  }
}

const awaiting = (request: RefundRequest) => `Refund of $${centsToDecimal(Number(request.amount_cents))} requested: it waits for an owner's or manager's approval. Nothing was sent.`;

export async function findRefundRequest(db: Db, id: string): Promise<RefundRequest | undefined> {
  return db.selectFrom("refund_requests").selectAll().where("id", "=", id).executeTakeFirst();
}

/** An order's requests still waiting, oldest first, with who asked. */
export async function waitingRefundRequests(db: Db, orderId: string): Promise<(RefundRequest & { requested_by_email: string | null })[]> {
  return db
    .selectFrom("refund_requests as r")
    .leftJoin("people as p", "p.id", "r.requested_by")
    .selectAll("r")
    .select("p.email as requested_by_email")
    .where("r.order_id", "=", orderId)
    .where("r.decision", "is", null)
    .orderBy("r.created_at")
    .execute();
}

export type DecisionResult = RefundResult | { ok: true; declined: true; message: string };

/** Approves (then sends, exactly once) or declines a waiting request. */
export async function decideRefundRequest(deps: RefundDeps, id: string, decision: "approved" | "declined", personId: string): Promise<DecisionResult> {
  const claimed = await deps.db
    .updateTable("refund_requests")
    .set({ decision, decided_by: personId, decided_at: nowIso() })
    .where("id", "=", id)
    .where("decision", "is", null)
    .returningAll()
    .executeTakeFirst();
  if (!claimed) {
    const request = await findRefundRequest(deps.db, id);
    return { ok: false, error: request ? `This request was ${request.decision} already.` : "Unknown refund request." };
  }
  if (decision === "declined") return { ok: true, declined: true, message: "Request declined: nothing was sent." };
  const form: RefundForm = {
    orderId: claimed.order_id,
    formToken: claimed.form_token,
    network: claimed.network as RefundForm["network"],
    token: claimed.token as RefundForm["token"],
    address: claimed.address,
    amount: Number(claimed.amount_cents),
  };
  const result = await requestRefund(deps, form);
  const refund = await deps.db.selectFrom("refunds").select("id").where("form_token", "=", claimed.form_token).executeTakeFirst();
  if (refund) {
    await deps.db.updateTable("refund_requests").set({ refund_id: refund.id }).where("id", "=", id).execute();
  } else {
    // Refused before anything was recorded (an amount no longer refundable, PayRam's prices unreadable): it waits again.
    await deps.db.updateTable("refund_requests").set({ decision: null, decided_by: null, decided_at: null }).where("id", "=", id).execute();
  }
  return result;
}
