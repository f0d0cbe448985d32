import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { isPostgres, type Db } from "../db";
import { nowIso, type RefundAddressesTable, type RefundsTable } from "../db/schema";
import { orderChanged } from "../db/changes";
import { queueMail } from "../notify/outbox";
import { orderIdSchema } from "../orders";
import { addressProblem } from "../payram/addresses";
import { PAYOUT_NETWORKS, PAYOUT_TOKENS } from "../rules/payout-assets";
import { hitRateLimit, waitInMinutes } from "../security/rate-limit";
import { refundableCents } from "../rules/refundable";

/**
 * "Where should we send your refund?" The shop does not know the shopper's wallet: an overpaid
 * order, or one cancelled with money received, asks on its status page. The answer counts only
 * once confirmed through a link mailed to the order's address (the order's page is secret, but a
 * link can be shared), and is frozen once the merchant refunds with it.
 */

export type RefundAddress = RefundAddressesTable;

export const refundAddressFormSchema = z.object({
  orderId: orderIdSchema,
  network: z.enum(PAYOUT_NETWORKS, { error: "Choose a network." }),
  token: z.enum(PAYOUT_TOKENS, { error: "Choose a token." }),
  address: z.string().trim().min(1, "Enter your wallet address.").max(120, "This is too long for a wallet address."),
});
export type RefundAddressForm = z.output<typeof refundAddressFormSchema>;

/** The mailed confirmation link's token (24 random bytes, base64url). */
export const confirmTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{32}$/);

/** A few answers an hour per order: each one mails the order's address. */
const ANSWERS = { name: "refund_address", limit: 5, windowMs: 60 * 60_000 };

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

/** Records the shopper's answer, unconfirmed, and mails the confirmation link to the order's address. */
export async function submitRefundAddress(db: Db, form: RefundAddressForm): Promise<{ ok: true } | { ok: false; error: string; field?: "address" }> {
  const problem = addressProblem(form.network, form.address);
  if (problem) return { ok: false, error: problem, field: "address" };
  const limited = await hitRateLimit(db, ANSWERS, form.orderId);
  if (!limited.allowed) return { ok: false, error: `Too many answers for this order. Please try again in ${waitInMinutes(limited)}.` };
  const confirmToken = randomBytes(24).toString("base64url");
  return db.transaction().execute(async (trx) => {
    const order = await trx.selectFrom("orders").select(["id", "number", "email", "mails"]).where("id", "=", form.orderId).$if(isPostgres(db), (qb) => qb.forUpdate()).executeTakeFirst();
    if (!order) return { ok: false as const, error: "Unknown order." };
    const current = await trx.selectFrom("refund_addresses").select("frozen_at").where("order_id", "=", order.id).executeTakeFirst();
    if (current?.frozen_at) return { ok: false as const, error: "The shop has already refunded you at the address you confirmed: it can no longer be changed." };
    const row = { network: form.network, token: form.token, address: form.address, confirm_hash: hash(confirmToken), created_at: nowIso(), confirmed_at: null, frozen_at: null };
    await trx
      .insertInto("refund_addresses")
      .values({ order_id: order.id, ...row })
      .onConflict((oc) => oc.column("order_id").doUpdateSet(row))
      .execute();
    await queueMail(trx, {
      key: `confirm_refund_address:${order.id}:${hash(confirmToken).slice(0, 16)}`,
      to: order.email,
      orderId: order.id,
      payload: { kind: "confirm_refund_address", orderNumber: order.number, orderId: order.id, network: form.network, token: form.token, address: form.address, confirmToken },
    });
    await orderChanged(trx, order.id);
    return { ok: true as const };
  });
}

/** The mailed link's token, checked against the latest answer's; the answer is then confirmed. */
export async function confirmRefundAddress(db: Db, orderId: string, token: string): Promise<{ ok: true; address: RefundAddress } | { ok: false; error: string }> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom("refund_addresses").selectAll().where("order_id", "=", orderId).$if(isPostgres(db), (qb) => qb.forUpdate()).executeTakeFirst();
    const given = Buffer.from(hash(token), "hex");
    if (!row || !timingSafeEqual(Buffer.from(row.confirm_hash, "hex"), given)) {
      return { ok: false as const, error: "This link is not the latest one for this order: use the newest mail, or give the address again." };
    }
    if (row.frozen_at) return { ok: true as const, address: row };
    const confirmed = await trx.updateTable("refund_addresses").set({ confirmed_at: row.confirmed_at ?? nowIso() }).where("order_id", "=", orderId).returningAll().executeTakeFirstOrThrow();
    if (!row.confirmed_at) await orderChanged(trx, orderId);
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
