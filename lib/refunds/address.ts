import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { isPostgres, type Db } from "../db";
import { nowIso, type RefundAddressesTable, type RefundsTable } from "../db/schema";
import { orderChanged } from "../db/changes";
import { queueMail } from "../notify/outbox";
import { orderIdSchema } from "../orders";
import { addressProblem } from "../payram/addresses";
import { PAYOUT_NETWORKS, PAYOUT_TOKENS } from "../rules/payout-assets";
import { hitRateLimit, hoursToWait, LIMITS, minutesToWait } from "../security/rate-limit";
import { said, type Said, type SaidKey } from "../i18n/said";
import { refundableCents } from "../rules/refundable";
import { isOpen } from "../rules/states";

/**
 * "Where should we send your refund?" The shop does not know the shopper's wallet: an overpaid
 * order, or one cancelled with money received, asks on its status page. The answer counts only
 * once confirmed through a link mailed to the order's address (the order's page is secret, but a
 * link can be shared), and is frozen once the merchant refunds with it. Only an order that owes a
 * refund takes answers; a new answer waits for its own link while the confirmed address stays in
 * force. Answers are counted per client, and the mails per recipient a day (LIMITS): the order's
 * address is whatever was typed at checkout, perhaps a stranger's.
 */

export type RefundAddress = RefundAddressesTable;

export const refundAddressFormSchema = z.object({
  orderId: orderIdSchema,
  network: z.enum(PAYOUT_NETWORKS, { error: "chooseNetwork" satisfies SaidKey }),
  token: z.enum(PAYOUT_TOKENS, { error: "chooseToken" satisfies SaidKey }),
  address: z.string().trim().min(1, "enterWallet" satisfies SaidKey).max(120, "walletTooLong" satisfies SaidKey),
});
export type RefundAddressForm = z.output<typeof refundAddressFormSchema>;

/** The mailed confirmation link's token (24 random bytes, base64url). */
export const confirmTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{32}$/);

const hash = (token: string) => createHash("sha256").update(token).digest("hex");

/**
 * Whether the order's page should ask: no payment is open, money is owed back — refundable now
 * (an overpayment, a cancelled order), or received on an unpaid order whose payment ended (the
 * merchant cancels it, then refunds) — and the answer is not frozen by a refund made with it.
 */
export function asksForRefundAddress(
  order: { received_cents: number; total_cents: number; paid_at: string | null; cancelled_at: string | null },
  refunds: readonly Pick<RefundsTable, "amount_cents" | "status">[],
  anyPaymentOpen: boolean,
  answer: Pick<RefundAddress, "frozen_at"> | null | undefined,
): boolean {
  if (anyPaymentOpen || answer?.frozen_at) return false;
  if (order.paid_at === null && order.cancelled_at === null) return order.received_cents > 0;
  return refundableCents(order, refunds) > 0;
}

export async function findRefundAddress(db: Db, orderId: string): Promise<RefundAddress | null> {
  return (await db.selectFrom("refund_addresses").selectAll().where("order_id", "=", orderId).executeTakeFirst()) ?? null;
}

/** A newer answer waiting for its link while the confirmed address stays in force. */
export function pendingAnswer(row: RefundAddress | null): { network: string; token: string; address: string } | null {
  if (!row || row.pending_network === null || row.pending_token === null || row.pending_address === null) return null;
  return { network: row.pending_network, token: row.pending_token, address: row.pending_address };
}

const FROZEN = said("addressFrozen");

/**
 * Records the shopper's answer and mails its confirmation link to the order's address. Refused,
 * counting nothing, for an order that does not exist or owes no refund; then counted against the
 * client, and the mail against its recipient. Before any address is confirmed the answer replaces
 * the previous one; after, it waits beside the confirmed one, which stays in force.
 */
export async function submitRefundAddress(db: Db, form: RefundAddressForm, client: string): Promise<{ ok: true } | { ok: false; error: Said; field?: "address" }> {
  const problem = addressProblem(form.network, form.address);
  if (problem) return { ok: false, error: problem, field: "address" };
  const confirmToken = randomBytes(24).toString("base64url");
  return db.transaction().execute(async (trx) => {
    const order = await trx
      .selectFrom("orders")
      .select(["id", "number", "email", "received_cents", "total_cents", "paid_at", "cancelled_at"])
      .where("id", "=", form.orderId)
      .$if(isPostgres(db), (qb) => qb.forUpdate())
      .executeTakeFirst();
    if (!order) return { ok: false as const, error: said("orderNotFound") };
    const current = (await trx.selectFrom("refund_addresses").selectAll().where("order_id", "=", order.id).executeTakeFirst()) ?? null;
    if (current?.frozen_at) return { ok: false as const, error: FROZEN };
    const refunds = await trx.selectFrom("refunds").select(["amount_cents", "status"]).where("order_id", "=", order.id).execute();
    const attempts = await trx.selectFrom("payment_attempts").select("state").where("order_id", "=", order.id).execute();
    if (!asksForRefundAddress(order, refunds, attempts.some((attempt) => isOpen(attempt.state)), current)) {
      return { ok: false as const, error: said("owesNoRefund") };
    }
    const answers = await hitRateLimit(trx, LIMITS.refundAddressAnswers, client);
    if (!answers.allowed) return { ok: false as const, error: said("answersRateLimited", { minutes: minutesToWait(answers) }) };
    const mails = await hitRateLimit(trx, LIMITS.refundAddressMails, order.email.toLowerCase());
    if (!mails.allowed) {
      return { ok: false as const, error: said("confirmMailsCapped", { most: LIMITS.refundAddressMails.limit, hours: hoursToWait(mails) }) };
    }
    const now = nowIso();
    const answer = { network: form.network, token: form.token, address: form.address };
    if (current?.confirmed_at) {
      const pending = { pending_network: answer.network, pending_token: answer.token, pending_address: answer.address, pending_created_at: now };
      await trx.updateTable("refund_addresses").set({ ...pending, confirm_hash: hash(confirmToken) }).where("order_id", "=", order.id).execute();
    } else {
      const row = { ...answer, confirm_hash: hash(confirmToken), created_at: now, confirmed_at: null, frozen_at: null, pending_network: null, pending_token: null, pending_address: null, pending_created_at: null };
      await trx
        .insertInto("refund_addresses")
        .values({ order_id: order.id, ...row })
        .onConflict((oc) => oc.column("order_id").doUpdateSet(row))
        .execute();
    }
    await queueMail(trx, {
      key: `confirm_refund_address:${order.id}:${hash(confirmToken).slice(0, 16)}`,
      to: order.email,
      orderId: order.id,
      payload: { kind: "confirm_refund_address", orderNumber: order.number, orderId: order.id, ...answer, confirmToken },
    });
    await orderChanged(trx, order.id);
    return { ok: true as const };
  });
}

/**
 * The mailed link's token, checked against the newest answer's; that answer is then confirmed (a
 * waiting one takes the confirmed one's place). Once frozen by a refund, nothing changes.
 */
export async function confirmRefundAddress(db: Db, orderId: string, token: string): Promise<{ ok: true; address: RefundAddress } | { ok: false; error: Said }> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom("refund_addresses").selectAll().where("order_id", "=", orderId).$if(isPostgres(db), (qb) => qb.forUpdate()).executeTakeFirst();
    const given = Buffer.from(hash(token), "hex");
    if (!row || !timingSafeEqual(Buffer.from(row.confirm_hash, "hex"), given)) {
      return { ok: false as const, error: said("notLatestLink") };
    }
    const pending = pendingAnswer(row);
    if (row.frozen_at) return pending ? { ok: false as const, error: FROZEN } : { ok: true as const, address: row };
    if (!pending && row.confirmed_at) return { ok: true as const, address: row };
    const confirmed = await trx
      .updateTable("refund_addresses")
      .set({
        ...(pending && { ...pending, created_at: row.pending_created_at ?? nowIso() }),
        confirmed_at: nowIso(),
        pending_network: null,
        pending_token: null,
        pending_address: null,
        pending_created_at: null,
      })
      .where("order_id", "=", orderId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await orderChanged(trx, orderId);
    return { ok: true as const, address: confirmed };
  });
}

/** A refund was asked of PayRam with the confirmed address: it stays as it is. */
export async function freezeRefundAddress(db: Db, orderId: string, address: string): Promise<void> {
  await db
    .updateTable("refund_addresses")
    .set({ frozen_at: nowIso() })
    .where("order_id", "=", orderId)
    .where("address", "=", address)
    .where("confirmed_at", "is not", null)
    .where("frozen_at", "is", null)
    .execute();
}
