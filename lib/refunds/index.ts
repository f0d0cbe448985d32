import { randomBytes, randomUUID } from "node:crypto";
import { z } from "zod";
import { isPostgres, isUniqueViolation, type Db } from "../db";
import { nowIso, type RefundStatus, type RefundsTable } from "../db/schema";
import { errorMessage, log } from "../log";
import { centsToDecimal, MoneyError, parseCents } from "../money";
import { orderIdSchema } from "../orders";
import { addressProblem } from "../payram/addresses";
import { PAYOUT_NETWORKS, PAYOUT_TOKENS } from "../payram/payout-assets";
import type { PayoutRequest, PayramClient, Payout } from "../payram/client";
import { PayramError } from "../payram/errors";
import { customerIdFor } from "../payram/ids";
import { orderChanged } from "../live/changes";
import { raiseAttention } from "../admin/attention";
import { queueMail } from "../mail/outbox";
import { freezeRefundAddress } from "./address";

/**
 * Refunds, paid out through PayRam's payouts API (contract §9; PayRam has no refund call). A
 * refund row is written with its Idempotency-Key and the exact body of the create **before**
 * PayRam is first asked, with the order locked and what is refundable decided then; every retry
 * resends that body with that key, so PayRam answers the same payout and never pays twice. At
 * most one refund per order is in flight (a partial unique index), and the merchant's form token
 * finds a double click's row again.
 */

export type Refund = RefundsTable;

export interface RefundDeps {
  db: Db;
  payram: PayramClient;
  customerPrefix?: string;
}

/** Until PayRam says it is over, a refund holds its amount (and the order's one place in flight). */
export const IN_FLIGHT: readonly RefundStatus[] = ["requesting", "pending-otp-verification", "pending-approval", "pending", "initiated", "sent"];
/** Over without paying: the amount is refundable again. */
const PAID_NOTHING: ReadonlySet<RefundStatus> = new Set(["failed", "rejected", "cancelled", "refused"]);
const RANK: Record<RefundStatus, number> = {
  requesting: 0,
  "pending-otp-verification": 1,
  "pending-approval": 1,
  pending: 2,
  initiated: 3,
  sent: 4,
  processed: 5,
  failed: 5,
  rejected: 5,
  cancelled: 5,
  refused: 5,
};
const KNOWN = new Set<string>(Object.keys(RANK));

/**
 * What may still be refunded: what the order received, less every payout not known to have
 * failed (those whose outcome is unknown included), less the total if the order is kept (paid
 * and not cancelled by the merchant). Nothing while the order is neither paid nor cancelled: its
 * payment may still complete it (an open payment, "Pay the remaining"), and money refunded then
 * would be missing from a paid order — cancel it first.
 */
export function refundableCents(
  order: { received_cents: number; total_cents: number; paid_at: string | null; cancelled_at: string | null },
  refunds: readonly Pick<Refund, "amount_cents" | "status">[],
): number {
  if (order.paid_at === null && order.cancelled_at === null) return 0;
  const kept = order.paid_at !== null && order.cancelled_at === null ? order.total_cents : 0;
  const out = refunds.filter((refund) => !PAID_NOTHING.has(refund.status)).reduce((sum, refund) => sum + refund.amount_cents, 0);
  return Math.max(0, order.received_cents - out - kept);
}

/**
 * USD cents in a token's units at PayRam's ticker price, rounded down to `precision` decimals, in
 * exact integer arithmetic: cents / 100 / price. Down: a coarse precision rounded up would pay out
 * more than the refund (at 0 decimals, $2,000 of ETH at $3,000 would be 1 ETH).
 */
export function cryptoAmount(cents: number, price: string, precision: number): string {
  const { units: priceUnits, decimals } = exactDecimal(price, "price");
  if (priceUnits === 0n) throw new MoneyError("a price of 0");
  // cents × 10^(precision + price decimals) / (100 × priceUnits), rounded down.
  const units = (BigInt(cents) * 10n ** BigInt(precision + decimals)) / (100n * priceUnits);
  if (precision === 0) return units.toString();
  const digits = units.toString().padStart(precision + 1, "0");
  return `${digits.slice(0, -precision)}.${digits.slice(-precision)}`;
}

/** What a token amount is worth in USD cents at a price, rounded down: amount × price × 100. */
export function worthInCents(amount: string, price: string): number {
  const a = exactDecimal(amount, "amount");
  const p = exactDecimal(price, "price");
  return Number((a.units * p.units * 100n) / 10n ** BigInt(a.decimals + p.decimals));
}

function exactDecimal(text: string, what: string): { units: bigint; decimals: number } {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) throw new MoneyError(`not a ${what}: ${text}`);
  const fraction = match[2] ?? "";
  return { units: BigInt(match[1]! + fraction), decimals: fraction.length };
}

/** The merchant's refund form, as posted. */
export const refundFormSchema = z.object({
  orderId: orderIdSchema,
  formToken: z.string().regex(/^[A-Za-z0-9_-]{22}$/, "This form has expired: reload the page."),
  network: z.enum(PAYOUT_NETWORKS, { error: "Choose a network." }),
  token: z.enum(PAYOUT_TOKENS, { error: "Choose a token." }),
  address: z.string().trim().min(1, "Enter the wallet address.").max(120, "This is too long for a wallet address."),
  amount: z
    .string()
    .trim()
    .transform((value, ctx) => {
      try {
        const cents = parseCents(value.replace(/^\$/, ""));
        if (cents > 0) return cents;
      } catch {
        // below
      }
      ctx.addIssue({ code: "custom", message: "Enter an amount in USD, like 2.51." });
      return z.NEVER;
    }),
});
export type RefundForm = z.output<typeof refundFormSchema>;

export const newRefundFormToken = (): string => randomBytes(16).toString("base64url");

export type RefundResult = { ok: true; refund: Refund; message: string } | { ok: false; error: string; field?: keyof RefundForm };

/** Records a refund (or finds a double click's) and asks PayRam for its payout. */
export async function requestRefund(deps: RefundDeps, form: RefundForm): Promise<RefundResult> {
  const again = await deps.db.selectFrom("refunds").selectAll().where("form_token", "=", form.formToken).executeTakeFirst();
  // A double click's second request: the first asks PayRam (the sweep, if it died); this one reports.
  if (again) return again.order_id === form.orderId ? refresh(deps, again) : { ok: false, error: "This form has expired: reload the page." };
  const badAddress = addressProblem(form.network, form.address);
  if (badAddress) return { ok: false, error: badAddress, field: "address" };

  // Bad input is refused before PayRam is asked for anything that pays.
  let price: { price: string; walletPrecision: number } | undefined;
  try {
    const entry = (await deps.payram.ticker()).find((item) => item.network === form.network && item.token === form.token);
    if (!entry) return { ok: false, error: `PayRam does not pay out ${form.token} on ${form.network}.`, field: "token" };
    price = entry;
  } catch (error) {
    return { ok: false, error: `PayRam's prices could not be read, so nothing was sent: ${explain(error)}` };
  }
  const amount = cryptoAmount(form.amount, price.price, price.walletPrecision);
  if (!/[1-9]/.test(amount)) return { ok: false, error: `$${centsToDecimal(form.amount)} is less than the smallest amount of ${form.token} PayRam can send.`, field: "amount" };
  // Rounded down to what PayRam can send: never record more as refunded than goes out.
  const worth = worthInCents(amount, price.price);
  if (form.amount - worth > 1) {
    return {
      ok: false,
      error: `PayRam sends ${form.token} in steps: $${centsToDecimal(form.amount)} would go out as ${amount} ${form.token}, worth $${centsToDecimal(worth)}. Refund $${centsToDecimal(worth)}, or another token.`,
      field: "amount",
    };
  }

  let refund: Refund;
  try {
    const created = await deps.db.transaction().execute(async (trx): Promise<Refund | { twin: Refund } | string> => {
      const order = await trx
        .selectFrom("orders")
        .select(["id", "number", "email", "received_cents", "total_cents", "paid_at", "cancelled_at"])
        .where("id", "=", form.orderId)
        .$if(isPostgres(deps.db), (qb) => qb.forUpdate())
        .executeTakeFirst();
      if (!order) return "Unknown order.";
      // Decided with the order locked: the same form submitted twice at once finds the first one's row.
      const twin = await trx.selectFrom("refunds").selectAll().where("form_token", "=", form.formToken).executeTakeFirst();
      if (twin) return { twin };
      const refunds = await trx.selectFrom("refunds").select(["amount_cents", "status"]).where("order_id", "=", order.id).execute();
      if (refunds.some((row) => IN_FLIGHT.includes(row.status))) return "Another refund of this order is still under way: wait for PayRam's answer.";
      const refundable = refundableCents(order, refunds);
      if (form.amount > refundable) {
        if (order.paid_at === null && order.cancelled_at === null) return "This order is not paid, and its payment may still complete it: cancel the order first, then refund what arrived.";
        return refundable === 0
          ? "Nothing of this order can be refunded now."
          : `At most $${centsToDecimal(refundable)} of this order can be refunded${order.paid_at && !order.cancelled_at ? " (it is kept: cancel it first to refund everything)" : ""}.`;
      }
      const body: PayoutRequest = {
        email: order.email,
        blockchainCode: form.network,
        currencyCode: form.token,
        amount,
        toAddress: form.address,
        customerID: customerIdFor(order.number, deps.customerPrefix),
      };
      const now = nowIso();
      // The shopper's confirmed address, once used, stays as it is.
      await freezeRefundAddress(trx, order.id, form.address);
      const inserted = await trx
        .insertInto("refunds")
        .values({
          id: randomUUID(),
          order_id: order.id,
          form_token: form.formToken,
          idempotency_key: randomUUID(),
          amount_cents: form.amount,
          network: form.network,
          token: form.token,
          address: form.address,
          crypto_amount: amount,
          price: price.price,
          request_body: JSON.stringify(body),
          payout_id: null,
          status: "requesting",
          tx_hash: null,
          failure_reason: null,
          created_at: now,
          updated_at: now,
          last_sent_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordRefundStep(trx, inserted, `$${centsToDecimal(inserted.amount_cents)} as ${inserted.crypto_amount} ${inserted.token} on ${inserted.network} to ${inserted.address}`);
      return inserted;
    });
    if (typeof created === "string") return { ok: false, error: created, field: created.startsWith("At most") ? "amount" : undefined };
    // A double click's first request: it asks PayRam (or has); this one reports where it stands.
    if ("twin" in created) return refresh(deps, created.twin);
    refund = created;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // The same form submitted twice at once, or another merchant's refund of this order first.
    const twin = await deps.db.selectFrom("refunds").selectAll().where("form_token", "=", form.formToken).executeTakeFirst();
    if (twin) return refresh(deps, twin);
    return { ok: false, error: "Another refund of this order is still under way: wait for PayRam's answer." };
  }
  log.info({ event: "refund", refund: refund.id, amountUsd: centsToDecimal(refund.amount_cents), network: refund.network, token: refund.token }, "refund recorded");
  return sendRefund(deps, refund);
}

/** An hour without PayRam's answer: its memory of the key is not documented, so its list is read first. */
const KEY_TRUST_MS = 60 * 60_000;
/** PayRam's answers that refuse a payout before making it (contract §9: 400 a field, 401 the key; 404: a PayRam without payouts). */
const REFUSALS: ReadonlySet<number> = new Set([400, 401, 403, 404, 422]);

/**
 * Asks PayRam for the refund's payout: its stored body with its key (PayRam answers the payout it
 * made for that key, if any). A refund PayRam has already answered is only read again.
 */
export async function sendRefund(deps: RefundDeps, refund: Refund): Promise<RefundResult> {
  // Answered with a payout (even in a status this shop does not know): it is read, never made again.
  if (refund.status !== "requesting" || refund.payout_id !== null) return refresh(deps, refund);
  // The first try is the one request that marks the row sent: only it may take PayRam's refusal
  // as "nothing was made". Any other (a double click, another instance, the sweep) may be racing
  // a try that made the payout, whatever its own answer says.
  const first = await deps.db
    .updateTable("refunds")
    .set({ last_sent_at: nowIso() })
    .where("id", "=", refund.id)
    .where("status", "=", "requesting")
    .where("last_sent_at", "is", null)
    .returningAll()
    .executeTakeFirst();
  if (!first) {
    const current = (await findRefund(deps.db, refund.id)) ?? refund;
    if (current.status !== "requesting" || current.payout_id !== null) return refresh(deps, current);
  }
  const sentBefore = !first;
  if (sentBefore && Date.now() - Date.parse(refund.created_at) > KEY_TRUST_MS) {
    let found: Payout | null;
    try {
      found = await findPayoutFor(deps, refund);
    } catch (error) {
      // Not knowing whether it exists, the create is not sent again with a key PayRam may have forgotten.
      return { ok: true, refund, message: `PayRam's payout list could not be read (${explain(error)}): the refund is not sent again until it can.` };
    }
    if (found) return { ok: true, refund: await applyPayout(deps.db, refund, found), message: "PayRam had already made this payout." };
  }
  if (sentBefore) await deps.db.updateTable("refunds").set({ last_sent_at: nowIso() }).where("id", "=", refund.id).execute();
  try {
    const payout = await deps.payram.createPayout(JSON.parse(refund.request_body) as PayoutRequest, refund.idempotency_key);
    const applied = await applyPayout(deps.db, refund, payout);
    return { ok: true, refund: applied, message: describeStatus(applied) };
  } catch (error) {
    if (!(error instanceof PayramError)) throw error;
    // 409: an identical payout exists (a PayRam that ignored the key?). Never "refused": the money
    // may be on its way. It is looked up in PayRam's list, now and by every later try.
    if (error.status === 409) {
      const found = await findPayoutFor(deps, refund).catch(() => null);
      if (found) return { ok: true, refund: await applyPayout(deps.db, refund, found), message: "PayRam already had this payout." };
      return { ok: true, refund: (await findRefund(deps.db, refund.id)) ?? refund, message: `${explain(error)} The refund is kept until PayRam's list shows it.` };
    }
    // PayRam refused the first request itself (a field, the key): nothing was created, the amount
    // is refundable again. A refusal of a later try proves nothing (an earlier one may have made
    // the payout: a rotated key), nor does another 4xx (a proxy's 408 came after forwarding it):
    // the refund is kept.
    if (!sentBefore && error.status !== undefined && REFUSALS.has(error.status) && error.code !== "EXCHANGE_RATE_UNAVAILABLE") {
      const reason = explain(error);
      await deps.db.transaction().execute(async (trx) => {
        const refused = await trx.updateTable("refunds").set({ status: "refused", failure_reason: reason, updated_at: nowIso() }).where("id", "=", refund.id).where("status", "=", "requesting").where("payout_id", "is", null).returningAll().executeTakeFirst();
        if (refused) await recordRefundStep(trx, refused, reason);
      });
      log.warn({ event: "refund", refund: refund.id, failure: error.failure, code: error.code }, "PayRam refused the payout");
      return { ok: false, error: `PayRam refused the refund, and sent nothing: ${reason}` };
    }
    log.warn({ event: "refund", refund: refund.id, failure: error.failure, code: error.code }, "the payout's outcome is not known yet");
    const current = (await findRefund(deps.db, refund.id)) ?? refund;
    return { ok: true, refund: current, message: `${explain(error)} The refund is kept and asked for again with the same key, so it is never paid twice.` };
  }
}

/** Reads the refund's payout from PayRam (webhooks are only a signal) and applies it forward. */
export async function refresh(deps: RefundDeps, refund: Refund): Promise<RefundResult> {
  if (!refund.payout_id) return { ok: true, refund, message: describeStatus(refund) };
  try {
    const payout = await deps.payram.getPayout(refund.payout_id);
    if (!payout) return { ok: true, refund, message: describeStatus(refund) };
    const applied = await applyPayout(deps.db, refund, payout);
    return { ok: true, refund: applied, message: describeStatus(applied) };
  } catch (error) {
    return { ok: true, refund, message: `PayRam could not be asked just now: ${explain(error)}` };
  }
}

/** PayRam's payout status as a refund's: its webhook labels and spellings too (`approved`, `pending_approval`). */
function refundStatusOf(status: string): RefundStatus | null {
  const label = status.toLowerCase().replaceAll("_", "-");
  if (label === "approved") return "pending";
  return KNOWN.has(label) ? (label as RefundStatus) : null;
}

/** PayRam's payout onto the refund row, forward only (a late or replayed answer never moves it back). */
async function applyPayout(db: Db, refund: Refund, payout: Payout): Promise<Refund> {
  const status = refundStatusOf(payout.status);
  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom("refunds").selectAll().where("id", "=", refund.id).$if(isPostgres(db), (qb) => qb.forUpdate()).executeTakeFirstOrThrow();
    if (current.payout_id !== null && current.payout_id !== payout.id) {
      // Another payout for the same key: a PayRam that ignored it. The first one stays tracked.
      log.error({ event: "refund", refund: refund.id, payout: current.payout_id, other: payout.id }, "PayRam answered a refund's key with a second payout");
      return current;
    }
    const forward = status !== null && RANK[status] > RANK[current.status];
    if (!forward && current.payout_id === payout.id && (current.tx_hash ?? null) === (payout.txHash ?? current.tx_hash)) return current;
    const updated = await trx
      .updateTable("refunds")
      .set({
        payout_id: payout.id,
        ...(forward ? { status: status! } : {}),
        tx_hash: payout.txHash ?? current.tx_hash,
        failure_reason: payout.failureReason ?? current.failure_reason,
        updated_at: nowIso(),
      })
      .where("id", "=", refund.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (forward) {
      log.info({ event: "refund", refund: refund.id, from: current.status, to: updated.status }, "refund moved");
      await recordRefundStep(trx, updated, updated.tx_hash ? `transaction ${updated.tx_hash}` : updated.failure_reason);
    } else {
      // Its transaction hash, come without a new status: the shopper's page shows it.
      await orderChanged(trx, updated.order_id);
    }
    // Once on its way (a transaction exists): the shopper is mailed, once per refund.
    if (forward && RANK[updated.status] >= RANK.initiated && RANK[updated.status] < RANK.processed + 1 && !PAID_NOTHING.has(updated.status)) {
      const order = await trx.selectFrom("orders").select(["id", "number", "email", "mails"]).where("id", "=", updated.order_id).executeTakeFirstOrThrow();
      if (order.mails === 1) {
        await queueMail(trx, {
          key: `refund_sent:${updated.id}`,
          to: order.email,
          orderId: order.id,
          payload: { kind: "refund_sent", orderNumber: order.number, orderId: order.id, amountUsd: centsToDecimal(updated.amount_cents), cryptoAmount: updated.crypto_amount, token: updated.token, txHash: updated.tx_hash },
        });
      }
    }
    return updated;
  });
}

/** How far PayRam's clock may run behind the shop's when its list is searched. */
const CLOCK_SKEW_MS = 15 * 60_000;
const LIST_PAGE = 100;
const LIST_PAGES_AT_MOST = 50;

/**
 * PayRam's payout for a refund whose key it may have forgotten: same address, token, network and
 * amount, made since the refund (give or take clock skew), and not another refund's. Read page by
 * page, newest first, to the refund's time. Fails closed: a list that does not say enough to tell
 * (a payout without those fields, not newest first, too long) throws, and the create is not sent
 * again — a second payout is worse than a refund that waits for the merchant.
 */
async function findPayoutFor(deps: RefundDeps, refund: Refund): Promise<Payout | null> {
  const since = Date.parse(refund.created_at) - CLOCK_SKEW_MS;
  const cannotTell = (why: string) => new PayramError("invalid_response", `PayRam's payout list cannot tell whether this refund was paid: ${why}`);
  let previous = Infinity;
  let offset = 0;
  for (let page = 0; page < LIST_PAGES_AT_MOST; page++) {
    const payouts = await deps.payram.listPayouts(LIST_PAGE, offset);
    // Only an empty page ends the list (PayRam may cap a page below what was asked).
    if (payouts.length === 0) return null;
    offset += payouts.length;
    for (const payout of payouts) {
      const createdAt = Date.parse(payout.createdAt ?? "");
      if (!Number.isFinite(createdAt) || payout.toAddress === null || payout.amount === null || payout.blockchainCode === null || payout.currencyCode === null) {
        throw cannotTell("its payouts lack an address, amount, network, token or date");
      }
      if (createdAt > previous) throw cannotTell("it is not sorted newest first");
      previous = createdAt;
      if (createdAt < since) return null;
      const same =
        sameAddress(payout.toAddress, refund.address) && payout.blockchainCode === refund.network && payout.currencyCode === refund.token && sameDecimal(payout.amount, refund.crypto_amount);
      if (same && !(await payoutOfAnotherRefund(deps.db, payout.id, refund.id))) return payout;
    }
  }
  throw cannotTell(`more than ${LIST_PAGE * LIST_PAGES_AT_MOST} payouts since the refund`);
}

async function payoutOfAnotherRefund(db: Db, payoutId: string, refundId: string): Promise<boolean> {
  return (await db.selectFrom("refunds").select("id").where("payout_id", "=", payoutId).where("id", "!=", refundId).executeTakeFirst()) !== undefined;
}

/** EVM addresses are one address in any letter case; TRON's base58 is case-sensitive. */
function sameAddress(a: string, b: string): boolean {
  return a.startsWith("0x") ? a.toLowerCase() === b.toLowerCase() : a === b;
}

function sameDecimal(a: string, b: string): boolean {
  const norm = (value: string) => value.replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
  return norm(a) === norm(b);
}

/** A step of a refund, for the order's timeline; the shopper's open page hears of it. */
async function recordRefundStep(trx: Db, refund: Refund, note: string | null) {
  await trx.insertInto("refund_events").values({ refund_id: refund.id, order_id: refund.order_id, status: refund.status, note, created_at: nowIso() }).execute();
  await orderChanged(trx, refund.order_id);
}

export async function findRefund(db: Db, id: string): Promise<Refund | null> {
  return (await db.selectFrom("refunds").selectAll().where("id", "=", id).executeTakeFirst()) ?? null;
}

export async function orderRefunds(db: Db, orderId: string): Promise<Refund[]> {
  return db.selectFrom("refunds").selectAll().where("order_id", "=", orderId).orderBy("created_at").execute();
}

/** A payout webhook (`payout.<status>`): only a signal; the refund whose payout it names is read from PayRam. */
export async function payoutNews(deps: RefundDeps, payoutId: string): Promise<"accepted" | "unknown_reference"> {
  const refund = await deps.db.selectFrom("refunds").selectAll().where("payout_id", "=", payoutId).executeTakeFirst();
  if (!refund) return "unknown_reference";
  await refresh(deps, refund);
  return "accepted";
}

/** The sweep's part: every refund PayRam has not finished, read again; one never answered, asked again with its key. */
export async function syncOpenRefunds(deps: RefundDeps, now = Date.now()): Promise<number> {
  const open = await deps.db.selectFrom("refunds").selectAll().where("status", "in", IN_FLIGHT).execute();
  let moved = 0;
  for (const refund of open) {
    try {
      const before = refund.status;
      // A create still without an answer after two minutes (a time-out, a crash): the same body
      // and key again; past its first hour (each try then reads PayRam's list first), every 30
      // minutes. One never sent is left as long to the request that recorded it.
      const retryAfterMs = now - Date.parse(refund.created_at) > KEY_TRUST_MS ? 30 * 60_000 : 2 * 60_000;
      const stale = refund.status === "requesting" && now - Date.parse(refund.last_sent_at ?? refund.created_at) > retryAfterMs;
      if (refund.status === "requesting" && !stale) continue;
      const result = await (stale ? sendRefund(deps, refund) : refresh(deps, refund));
      if (result.ok && result.refund.status !== before) moved++;
      if (result.ok && result.refund.status === "requesting" && now - Date.parse(refund.created_at) > KEY_TRUST_MS) await flagUnanswered(deps.db, result.refund, result.message);
    } catch (error) {
      log.warn({ event: "refund", refund: refund.id, err: errorMessage(error) }, "a refund could not be checked");
    }
  }
  return moved;
}

/** A refund still without PayRam's answer after an hour is put before the merchant, once per order's payment. */
async function flagUnanswered(db: Db, refund: Refund, lastAnswer: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const attempt = await trx.selectFrom("payment_attempts").select("id").where("order_id", "=", refund.order_id).orderBy("attempt_number", "desc").limit(1).executeTakeFirst();
    if (!attempt) return;
    await raiseAttention(trx, {
      order_id: refund.order_id,
      attempt_id: attempt.id,
      kind: "refund_unanswered",
      detail: `The refund of $${centsToDecimal(refund.amount_cents)} (${refund.crypto_amount} ${refund.token} to ${refund.address}) asked of PayRam at ${refund.created_at.slice(0, 16).replace("T", " ")} UTC has no answer yet; the shop keeps asking with the same key. Last: ${lastAnswer} Look for it in PayRam's payouts.`,
    });
  });
}

/** The merchant's words for where a refund stands. */
export function describeStatus(refund: Pick<Refund, "status" | "tx_hash" | "failure_reason">): string {
  switch (refund.status) {
    case "requesting":
      return "Asked PayRam; its answer has not arrived yet.";
    case "pending-otp-verification":
      return "Waiting for the one-time code in PayRam.";
    case "pending-approval":
      return "Waiting for approval in PayRam (over the project's auto-approve limit).";
    case "pending":
      return "Approved; PayRam is sending it.";
    case "initiated":
    case "sent":
      return `Sent${refund.tx_hash ? ` (transaction ${refund.tx_hash})` : ""}.`;
    case "processed":
      return `Refund sent and confirmed${refund.tx_hash ? ` (transaction ${refund.tx_hash})` : ""}.`;
    case "failed":
      return `The payout failed${refund.failure_reason ? `: ${refund.failure_reason}` : ""}. The amount can be refunded again.`;
    case "rejected":
      return "Rejected in PayRam. The amount can be refunded again.";
    case "cancelled":
      return "Cancelled in PayRam. The amount can be refunded again.";
    case "refused":
      return `PayRam refused it and sent nothing${refund.failure_reason ? `: ${refund.failure_reason}` : ""}.`;
  }
}

/** Where a refund stands, for the shopper (never the merchant's PayRam details). */
export function describeForShopper(refund: Pick<Refund, "status" | "tx_hash">): string {
  switch (refund.status) {
    case "initiated":
    case "sent":
    case "processed":
      return `Refund sent${refund.tx_hash ? ` — transaction ${refund.tx_hash}` : ""}.`;
    case "failed":
    case "rejected":
    case "cancelled":
    case "refused":
      return "This refund did not go through; the shop will send it again.";
    default:
      return "Refund on its way.";
  }
}

/** PayRam's errors in the merchant's words. */
function explain(error: unknown): string {
  if (!(error instanceof PayramError)) return errorMessage(error);
  switch (error.code) {
    case "EXCHANGE_RATE_UNAVAILABLE":
      return "PayRam could not get an exchange rate just now; try again in a minute.";
    case "PAYOUT_DUPLICATE_REQUEST":
      return "PayRam already has an identical payout from the last five minutes.";
    case "PAYOUT_AMOUNT_BELOW_MINIMUM":
      return "The amount is below PayRam's minimum payout for this token.";
    case "PAYOUT_CURRENCY_DISABLED":
      return "Payouts in this token are turned off in PayRam.";
  }
  switch (error.failure) {
    case "timeout":
    case "network":
      return "PayRam did not answer.";
    case "unauthorized":
      return "PayRam refused the API key (PAYRAM_API_KEY).";
    case "server":
      return `PayRam failed (${error.status ?? "no status"}).`;
    default:
      return error.message;
  }
}
