import { randomBytes, randomUUID } from "node:crypto";
import { z } from "zod";
import { isPostgres, isUniqueViolation, type Db } from "../db";
import { nowIso, type AttentionKind, type RefundsTable } from "../db/schema";
import { errorMessage, log } from "../log";
import { centsToDecimal } from "../rules/money";
import { decide, IN_FLIGHT, KEY_TRUST_MS, refundStatusOf, type LookupCause, type RefundEvent, type RefundLife } from "../rules/refund-life";
import { quoteRefund, refundableCents } from "../rules/refundable";
import { typedUsd } from "../rules/typed-usd";
import { orderIdSchema } from "../orders";
import { addressProblem } from "../payram/addresses";
import { inWords } from "../i18n/messages";
import { PAYOUT_NETWORKS, PAYOUT_TOKENS } from "../rules/payout-assets";
import type { PayoutRequest, PayramClient, Payout } from "../payram/client";
import { PayramError } from "../payram/errors";
import { customerIdFor } from "../payram/ids";
import { orderChanged } from "../db/changes";
import { raiseAttention } from "../notify/attention";
import { queueMail } from "../notify/outbox";
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

export { IN_FLIGHT };

/** The rules' view of a refund row (lib/rules/refund-life.ts). */
function lifeOf(refund: Refund): RefundLife {
  return { status: refund.status, payout: refund.payout_id !== null, createdAt: Date.parse(refund.created_at), lastSentAt: refund.last_sent_at === null ? null : Date.parse(refund.last_sent_at) };
}

/** The merchant's refund form, as posted. */
export const refundFormSchema = z.object({
  orderId: orderIdSchema,
  formToken: z.string().regex(/^[A-Za-z0-9_-]{22}$/, "This form has expired: reload the page."),
  network: z.enum(PAYOUT_NETWORKS, { error: "Choose a network." }),
  token: z.enum(PAYOUT_TOKENS, { error: "Choose a token." }),
  address: z.string().trim().min(1, "Enter the wallet address.").max(120, "This is too long for a wallet address."),
  amount: typedUsd("Enter an amount in USD, like 2.51.").refine((cents) => cents > 0, "Enter an amount in USD, like 2.51."),
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
  if (badAddress) return { ok: false, error: inWords("en", badAddress), field: "address" };

  // Bad input is refused before PayRam is asked for anything that pays.
  let price: { price: string; walletPrecision: number } | undefined;
  try {
    const entry = (await deps.payram.ticker()).find((item) => item.network === form.network && item.token === form.token);
    if (!entry) return { ok: false, error: `PayRam does not pay out ${form.token} on ${form.network}.`, field: "token" };
    price = entry;
  } catch (error) {
    return { ok: false, error: `PayRam's prices could not be read, so nothing was sent: ${explain(error)}` };
  }
  // Rounded down to what PayRam can send, and recorded as what that is worth: never more as refunded than goes out.
  const quote = quoteRefund(form.amount, price.price, price.walletPrecision);
  if (!quote.ok && quote.problem === "below_minimum") return { ok: false, error: `$${centsToDecimal(form.amount)} is less than the smallest amount of ${form.token} PayRam can send.`, field: "amount" };
  if (!quote.ok) {
    return {
      ok: false,
      error: `PayRam sends ${form.token} in steps: $${centsToDecimal(form.amount)} would go out as ${quote.crypto} ${form.token}, worth $${centsToDecimal(quote.worthCents)}. Refund $${centsToDecimal(quote.worthCents)}, or another token.`,
      field: "amount",
    };
  }
  const amount = quote.crypto;

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
          amount_cents: quote.cents,
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
          last_answer: null,
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

/** PayRam's answers that refuse a payout before making it (contract §9: 400 a field, 401 the key; 404: a PayRam without payouts). */
const REFUSALS: ReadonlySet<number> = new Set([400, 401, 403, 404, 422]);

/** What PayRam's answer to a create that made no payout is, for the rules. */
function answerEvent(error: PayramError, firstTry: boolean): RefundEvent {
  if (error.status !== undefined && REFUSALS.has(error.status) && error.code !== "EXCHANGE_RATE_UNAVAILABLE") return { type: "refused", firstTry };
  return { type: "no-answer", conflict: error.status === 409 };
}

/**
 * Asks PayRam for the refund's payout: its stored body with its key (PayRam answers the payout it
 * made for that key, if any). A refund PayRam has already answered is only read again. The rules
 * (lib/rules/refund-life.ts) decide; this applies: the atomic claim of a try, the lookup of
 * PayRam's list (failing closed), and the refund's end.
 */
export async function sendRefund(deps: RefundDeps, refund: Refund, now = Date.now()): Promise<RefundResult> {
  // Answered with a payout (even in a status this shop does not know): it is read, never made again.
  if (refund.status !== "requesting" || refund.payout_id !== null) return refresh(deps, refund);
  // The first try is the one request that marks the row sent: only it may take PayRam's refusal
  // as "nothing was made". Any other (a double click, another instance, the sweep) may be racing
  // a try that made the payout, whatever its own answer says.
  const first = await claimTry(deps.db, refund.id, null, now);
  let current = first ?? (await findRefund(deps.db, refund.id)) ?? refund;
  const start = decide(lifeOf(current), { type: "retry", now: now, sentBefore: !first });
  switch (start.action.do) {
    case "send":
      break;
    case "lookup": {
      // Over an hour on: PayRam may have forgotten the key, so its list is read first.
      const looked = await lookUp(deps, current, start.action.cause, now - Date.parse(current.last_sent_at ?? current.created_at));
      if (looked.action !== "send") return looked.result;
      break;
    }
    case "stop":
      return { ok: false, error: `This refund was priced on ${current.created_at.slice(0, 10)} and is no longer sent by the shop: end it, then refund anew at today's price.` };
    case "read":
      return refresh(deps, current);
    default:
      return { ok: true, refund: current, message: describeStatus(current) };
  }
  // A later try claims its turn too: the one that moves the last try's time on (no two at once).
  const previous = current.last_sent_at;
  if (!first) {
    const claimed = await claimTry(deps.db, current.id, previous, now);
    if (!claimed) return { ok: true, refund: (await findRefund(deps.db, refund.id)) ?? current, message: "Another try of this refund is under way; its answer is awaited." };
    current = claimed;
  }
  try {
    const payout = await deps.payram.createPayout(JSON.parse(current.request_body) as PayoutRequest, current.idempotency_key);
    const applied = await applyPayout(deps.db, current, payout);
    return { ok: true, refund: applied, message: describeStatus(applied) };
  } catch (error) {
    if (!(error instanceof PayramError)) throw error;
    const answer = explain(error);
    const step = decide(lifeOf(current), answerEvent(error, first !== undefined));
    log.warn({ event: "refund", refund: refund.id, failure: error.failure, code: error.code, action: step.action.do }, "PayRam made no payout for this try");
    if (step.action.do === "end") {
      const ended = await endAs(deps.db, current, answer, answer);
      return ended ? { ok: false, error: `PayRam refused the refund, and sent nothing: ${answer}` } : { ok: true, refund: (await findRefund(deps.db, refund.id)) ?? current, message: answer };
    }
    await deps.db.updateTable("refunds").set({ last_answer: answer }).where("id", "=", current.id).where("status", "=", "requesting").execute();
    if (step.action.do === "lookup") {
      // A refusal of a later try: did an earlier try make the payout? The try before this one was
      // sent at `previous`; this one made nothing (PayRam refused it).
      // 409: an identical payout exists (a PayRam that ignored the key?): never "refused", the money may be on its way.
      const looked = await lookUp(deps, { ...current, last_answer: answer }, step.action.cause, now - Date.parse(previous ?? current.created_at));
      return looked.result;
    }
    const kept = (await findRefund(deps.db, refund.id)) ?? current;
    return { ok: true, refund: kept, message: `${answer} The refund is kept and asked for again with the same key, so it is never paid twice.` };
  }
}

/** Marks a try sent, if the last one is still the one seen (`previous`; null: none yet): two tries never claim one turn. */
async function claimTry(db: Db, id: string, previous: string | null, now: number): Promise<Refund | undefined> {
  return db
    .updateTable("refunds")
    .set({ last_sent_at: new Date(now).toISOString() })
    .where("id", "=", id)
    .where("status", "=", "requesting")
    .where("payout_id", "is", null)
    .where("last_sent_at", previous === null ? "is" : "=", previous)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Reads PayRam's payout list for a refund in flight without a payout and applies what the rules
 * make of it: the payout found is taken; none, after a refusal or at the merchant's asking, ends
 * it; a list that cannot tell keeps it (fail closed). `unsureTryAgeMs`: how long ago the latest
 * try whose outcome is not known was sent.
 */
async function lookUp(deps: RefundDeps, refund: Refund, cause: LookupCause, unsureTryAgeMs: number): Promise<{ action: "send" | "done"; result: RefundResult }> {
  let found: Payout | null;
  try {
    found = await findPayoutFor(deps, refund);
  } catch (error) {
    const why = `PayRam's payout list could not be read (${explain(error)})`;
    const message =
      cause === "merchant"
        ? `${why}: the refund is not ended until it shows there is no payout.`
        : cause === "key"
          ? `${why}: the refund is not sent again until it can.`
          : `${why}: the refund is kept until it shows whether PayRam made it.`;
    return { action: "done", result: cause === "merchant" ? { ok: false, error: message } : { ok: true, refund, message } };
  }
  if (found) return { action: "done", result: { ok: true, refund: await applyPayout(deps.db, refund, found), message: "PayRam had already made this payout." } };
  const step = decide(lifeOf(refund), { type: "listed-none", cause, unsureTryAgeMs });
  switch (step.action.do) {
    case "send":
      return { action: "send", result: { ok: true, refund, message: describeStatus(refund) } };
    case "end": {
      const merchant = step.action.reason === "ended_by_merchant";
      const reason = merchant
        ? `Ended by the merchant: PayRam's payout list shows no payout for it${refund.last_answer ? ` (PayRam's last answer: ${refund.last_answer})` : ""}.`
        : `${refund.last_answer ?? "PayRam refused it."} PayRam's payout list shows no payout for it.`;
      const ended = await endAs(deps.db, refund, reason, merchant ? "ended by the merchant after PayRam's list showed no payout" : reason);
      if (!ended) return { action: "done", result: merchant ? { ok: false, error: "A try of this refund was just sent: look again in a few minutes." } : { ok: true, refund: (await findRefund(deps.db, refund.id)) ?? refund, message: describeStatus(refund) } };
      log.warn({ event: "refund", refund: refund.id, reason: step.action.reason }, "a refund ended without a payout");
      return { action: "done", result: merchant ? { ok: true, refund: ended, message: describeStatus(ended) } : { ok: false, error: `PayRam refused the refund, and sent nothing: ${reason}` } };
    }
    case "cannot-end":
      return { action: "done", result: { ok: false, error: "A try of this refund was sent less than two minutes ago: PayRam's list may not show it yet. Look again in a few minutes." } };
    default:
      return { action: "done", result: { ok: true, refund, message: `${refund.last_answer ?? describeStatus(refund)} The refund is kept until PayRam's list shows it.` } };
  }
}

/** Ends a refund without a payout (`refused`), unless a try was sent or PayRam answered since it was read. */
async function endAs(db: Db, refund: Refund, reason: string, note: string): Promise<Refund | null> {
  return db.transaction().execute(async (trx) => {
    const ended = await trx
      .updateTable("refunds")
      .set({ status: "refused", failure_reason: reason, updated_at: nowIso() })
      .where("id", "=", refund.id)
      .where("status", "=", "requesting")
      .where("payout_id", "is", null)
      .where("last_sent_at", refund.last_sent_at === null ? "is" : "=", refund.last_sent_at)
      .returningAll()
      .executeTakeFirst();
    if (ended) await recordRefundStep(trx, ended, note);
    return ended ?? null;
  });
}

/**
 * The merchant ends a refund stuck in flight: only one PayRam has not answered with a payout, and
 * only once PayRam's payout list shows none (read back to the refund; failing closed). A payout
 * found there is taken instead. Its amount is then refundable again.
 */
export async function endRefund(deps: RefundDeps, refundId: string): Promise<RefundResult> {
  const refund = await findRefund(deps.db, refundId);
  if (!refund) return { ok: false, error: "Unknown refund." };
  const step = decide(lifeOf(refund), { type: "end" });
  if (step.action.do === "cannot-end") {
    return { ok: false, error: step.action.why === "ended" ? "This refund has already ended." : "PayRam has a payout for this refund: reject or cancel it in PayRam; the shop follows." };
  }
  const looked = await lookUp(deps, refund, "merchant", Date.now() - Date.parse(refund.last_sent_at ?? refund.created_at));
  return looked.result;
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

/**
 * PayRam's payout onto the refund row, as the rules decide: forward only (a late or replayed
 * answer never moves it back), and over the shop's own `refused` (the money went out: the merchant
 * is told, as the amount may have been refunded again since).
 */
export async function applyPayout(db: Db, refund: Refund, payout: Payout): Promise<Refund> {
  const status = refundStatusOf(payout.status);
  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom("refunds").selectAll().where("id", "=", refund.id).$if(isPostgres(db), (qb) => qb.forUpdate()).executeTakeFirstOrThrow();
    if (current.payout_id !== null && current.payout_id !== payout.id) {
      // Another payout for the same key: a PayRam that ignored it. The first one stays tracked.
      log.error({ event: "refund", refund: refund.id, payout: current.payout_id, other: payout.id }, "PayRam answered a refund's key with a second payout");
      return current;
    }
    const { next, action } = decide(lifeOf(current), { type: "payout", status });
    const moved = next.status !== current.status;
    if (!moved && current.payout_id === payout.id && (current.tx_hash ?? null) === (payout.txHash ?? current.tx_hash)) return current;
    const updated = await trx
      .updateTable("refunds")
      .set({
        payout_id: payout.id,
        status: next.status,
        tx_hash: payout.txHash ?? current.tx_hash,
        // The shop's own reason for ending it no longer holds once PayRam shows the payout.
        failure_reason: payout.failureReason ?? (current.status === "refused" ? null : current.failure_reason),
        updated_at: nowIso(),
      })
      .where("id", "=", refund.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (moved) {
      log.info({ event: "refund", refund: refund.id, from: current.status, to: updated.status }, "refund moved");
      await recordRefundStep(trx, updated, updated.tx_hash ? `transaction ${updated.tx_hash}` : updated.failure_reason);
    } else {
      // Its transaction hash, come without a new status: the shopper's page shows it.
      await orderChanged(trx, updated.order_id);
    }
    if (action.do === "paid-after-end") {
      log.error({ event: "refund", refund: refund.id, payout: payout.id }, "PayRam made a payout for a refund the shop had ended");
      await flagRefund(
        trx,
        updated,
        "refund_paid_after_end",
        `PayRam made payout ${payout.id} (${updated.crypto_amount} ${updated.token} to ${updated.address}, now ${updated.status}) for the refund of $${centsToDecimal(updated.amount_cents)} the shop had ended as refused. The refund is held again; if this order was refunded again since, the shopper may have been paid twice.`,
      );
    }
    // Once on its way (a transaction exists): the shopper is mailed, once per refund.
    if (moved && ["initiated", "sent", "processed"].includes(updated.status)) {
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

/**
 * The sweep's part: every refund PayRam has not finished, read again; one never answered, asked
 * again with its key as the rules time it (backing off, and never past RESEND_FOR_MS: then it is
 * put before the merchant with PayRam's last answer).
 */
export async function syncOpenRefunds(deps: RefundDeps, now = Date.now()): Promise<number> {
  const open = await deps.db.selectFrom("refunds").selectAll().where("status", "in", IN_FLIGHT).execute();
  let moved = 0;
  for (const refund of open) {
    try {
      const before = refund.status;
      const { action } = decide(lifeOf(refund), { type: "due", now });
      if (action.do === "stop") {
        await flagStopped(deps.db, refund);
        continue;
      }
      if (action.do !== "send" && action.do !== "read") continue;
      const result = await (action.do === "send" ? sendRefund(deps, refund, now) : refresh(deps, refund));
      if (result.ok && result.refund.status !== before) moved++;
      if (result.ok && result.refund.status === "requesting" && result.refund.payout_id === null && now - Date.parse(refund.created_at) > KEY_TRUST_MS) {
        await flagUnanswered(deps.db, result.refund, result.message);
      }
    } catch (error) {
      log.warn({ event: "refund", refund: refund.id, err: errorMessage(error) }, "a refund could not be checked");
    }
  }
  return moved;
}

/** Puts a refund before the merchant (once per payment and kind), on the order's latest payment. */
async function flagRefund(trx: Db, refund: Refund, kind: AttentionKind, detail: string): Promise<void> {
  const attempt = await trx.selectFrom("payment_attempts").select("id").where("order_id", "=", refund.order_id).orderBy("attempt_number", "desc").limit(1).executeTakeFirst();
  if (!attempt) return;
  await raiseAttention(trx, { order_id: refund.order_id, attempt_id: attempt.id, kind, detail });
}

const asked = (refund: Refund) => `The refund of $${centsToDecimal(refund.amount_cents)} (${refund.crypto_amount} ${refund.token} to ${refund.address}) asked of PayRam at ${refund.created_at.slice(0, 16).replace("T", " ")} UTC`;

/** A refund still without PayRam's answer after an hour is put before the merchant, once per order's payment. */
async function flagUnanswered(db: Db, refund: Refund, lastAnswer: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await flagRefund(trx, refund, "refund_unanswered", `${asked(refund)} has no payout yet; the shop keeps asking with the same key. PayRam's last answer: ${refund.last_answer ?? lastAnswer} Look for it in PayRam's payouts.`);
  });
}

/** The shop no longer sends a refund by itself: the merchant ends it (once PayRam's list shows no payout) or looks into it. */
async function flagStopped(db: Db, refund: Refund): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await flagRefund(
      trx,
      refund,
      "refund_stopped",
      `${asked(refund)} has no payout, and the shop no longer sends it by itself (its amount was priced then). PayRam's last answer: ${refund.last_answer ?? "none: it never answered"}. End it on the order's page (the shop first checks PayRam's payouts), then refund anew.`,
    );
  });
}

/** The merchant's words for where a refund stands. */
export function describeStatus(refund: Pick<Refund, "status" | "tx_hash" | "failure_reason"> & { last_answer?: string | null }): string {
  switch (refund.status) {
    case "requesting":
      return refund.last_answer ? `Asked PayRam; no payout yet. Its last answer: ${refund.last_answer}` : "Asked PayRam; its answer has not arrived yet.";
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
      return `Ended without a payout${refund.failure_reason ? `: ${refund.failure_reason.replace(/\.?$/, ".")}` : "."} The amount can be refunded again.`;
  }
}

/** Where a refund stands, for the shopper (never the merchant's PayRam details): a key of the "Refunds" messages and its values. */
export function describeForShopper(refund: Pick<Refund, "status" | "tx_hash">): { key: "sent" | "failed" | "pending" | "sentTx"; values?: { tx: string } } {
  switch (refund.status) {
    case "initiated":
    case "sent":
    case "processed":
      return refund.tx_hash ? { key: "sentTx", values: { tx: refund.tx_hash } } : { key: "sent" };
    case "failed":
    case "rejected":
    case "cancelled":
    case "refused":
      return { key: "failed" };
    default:
      return { key: "pending" };
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
