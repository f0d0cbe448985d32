import { isPostgres, type Db } from "../db";
import { nowIso, type AttemptState, type AttentionKind, type EventSource, type PaymentAttempt } from "../db/schema";
import { centsToDecimal } from "../rules/money";
import type { PayramClient, PayramPayment } from "../payram/client";
import { customerIdFor, parseCustomerId, parseInvoiceId } from "../payram/ids";
import type { PaymentMatch } from "../payram/webhook";
import { log } from "../log";
import { metrics } from "../metrics";
import { processWide } from "../process-wide";
import { inSpan } from "../tracing";
import { orderChanged } from "../db/changes";
import { raiseAttention } from "../notify/attention";
import { mailPaid } from "../notify/events";
import { newAttemptRow, recordPaymentEvent, refreshOrderPayment } from "./attempts";
import { arrivedCents, entryCreditCents, isPaid } from "../rules/ledger";
import { entryOf, loadVerdict } from "./ledger";
import { closesAttempt, nextState, OPEN_ATTEMPT_STATES } from "../rules/states";
import { DELIVERY_SYNC_INTERVAL_MS } from "./sync-claim";

/**
 * syncPayment: the one path by which PayRam's news reaches an order. The webhook, the status
 * page's poll, the sweep and the merchant's "sync now" all call it. PayRam's GET is the truth:
 * it is fetched outside any transaction, then applied in one short transaction, only if it
 * moves the attempt forward. A payment that becomes FILLED or OVER_FILLED fulfils its order
 * exactly once (the fulfilments primary key decides, not a check-then-write).
 */
export interface SyncDeps {
  db: Db;
  payram: PayramClient;
  /** PAYRAM_CUSTOMER_PREFIX: the customer ids this shop gives PayRam ("order_" by default). */
  customerPrefix?: string;
}

export type SyncOutcome =
  /** The attempt moved (state or amount received). */
  | "changed"
  /** PayRam says what we already knew, or something older. */
  | "unchanged"
  /** Not one of our payments. */
  | "unknown_reference"
  /** Ours, but PayRam does not know it (yet). */
  | "unknown_at_payram";

export interface SyncResult {
  outcome: SyncOutcome;
  attempt: PaymentAttempt | null;
  /** True for the one call that fulfilled the order. */
  fulfilled: boolean;
  from?: AttemptState;
  to?: AttemptState;
}

/** How the sweep backs off on an attempt that keeps saying nothing new. */
export const SYNC_BACKOFF = { firstMs: 10_000, maxMs: 10 * 60_000 };

/**
 * Concurrent syncs of one reference inside this process share one PayRam request, when it started
 * late enough for the caller (see SyncOptions.freshAfter).
 */
const inFlight = processWide("sync-in-flight", () => new Map<string, { startedAt: number; result: Promise<SyncResult> }>());

export interface SyncOptions {
  /**
   * Only a PayRam GET that started at or after this time (ms) will do: a delivery that claims news
   * is not answered by a GET already under way when it arrived.
   */
  freshAfter?: number;
}

/**
 * Asks PayRam about one payment and applies what it says. Counted in shop_payment_syncs_total by
 * source and outcome, and one span (with the PayRam call and the transaction inside) when tracing.
 */
export function syncPayment(deps: SyncDeps, match: PaymentMatch, source: EventSource, options: SyncOptions = {}): Promise<SyncResult> {
  return inSpan("sync payment", { "payment.sync.source": source }, async (span) => {
    try {
      const result = await syncOnce(deps, match, source, options);
      metrics().paymentSyncs.inc({ source, outcome: result.outcome });
      span.setAttribute("payment.sync.outcome", result.outcome);
      return result;
    } catch (error) {
      metrics().paymentSyncs.inc({ source, outcome: "error" });
      throw error;
    }
  });
}

async function syncOnce(deps: SyncDeps, match: PaymentMatch, source: EventSource, options: SyncOptions): Promise<SyncResult> {
  const found = await findAttempt(deps.db, match);
  const referenceId = "referenceId" in match ? match.referenceId : found?.reference_id;
  // Matched by invoice to a payment the shop has no reference for.
  if (found && found.reference_id === null) {
    // Still starting: answered with a 5xx (a thrown error), PayRam delivers it again once the checkout stored it.
    if (found.state === "STARTING") throw new Error(`a delivery for payment attempt ${found.attempt_number} came while it was starting: try again`);
    // Given up (its create timed out), yet PayRam may have made it: PayRam is asked below (takeLostStart).
    if (found.state !== "START_FAILED" || !("referenceId" in match)) return { outcome: "unchanged", attempt: found, fulfilled: false };
  }
  const lostStart = found && found.reference_id === null ? found : null;
  // An invoice of another of the order's payments under a new reference: a top-up that kept the
  // invoice it topped up. Like any reference the shop never opened, it is looked at only when it
  // names one of the shop's customers, and PayRam's GET must agree.
  const attempt = found && found.reference_id !== null && found.reference_id === referenceId ? found : null;
  const customer = "referenceId" in match ? match.customer : undefined;
  if (!attempt && !customer && !lostStart) return { outcome: "unknown_reference", attempt: null, fulfilled: false };
  if (!referenceId) return { outcome: "unchanged", attempt, fulfilled: false };

  const running = inFlight.get(referenceId);
  // Joining a sync already under way: its news is not ours to report again.
  if (running && running.startedAt >= (options.freshAfter ?? 0)) {
    return running.result.then((result) => (result.outcome === "changed" ? { ...result, outcome: "unchanged", fulfilled: false } : result));
  }
  const startedAt = Date.now();
  const work = (async (): Promise<SyncResult> => {
    if (!attempt && !lostStart && customer && parseCustomerId(customer.id, deps.customerPrefix) === null) return { outcome: "unknown_reference", attempt: null, fulfilled: false };
    const payment = await deps.payram.getPayment(referenceId);
    if (!payment) return { outcome: attempt ? "unknown_at_payram" : "unknown_reference", attempt, fulfilled: false };
    let attemptId = attempt?.id ?? null;
    if (!attemptId) {
      // A start the checkout gave up on, which PayRam's answer names (whatever the delivery said), is that attempt's payment.
      const lost = await lostStartNamedBy(deps, payment);
      if (lost) attemptId = await takeLostStart(deps.db, lost, payment, source);
      else if (lostStart) {
        await flagUnprovenStart(deps.db, lostStart, referenceId);
        return { outcome: "unknown_reference", attempt: null, fulfilled: false };
      } else if (customer) attemptId = await adoptReference(deps, payment, customer, source);
    }
    if (!attemptId) return { outcome: "unknown_reference", attempt: null, fulfilled: false };
    return applyPayment(deps.db, attemptId, payment, source, new Date(startedAt).toISOString());
  })();
  const entry = { startedAt, result: work };
  inFlight.set(referenceId, entry);
  try {
    return await work;
  } finally {
    if (inFlight.get(referenceId) === entry) inFlight.delete(referenceId);
  }
}

/**
 * The attempt a PayRam payment belongs to although the shop holds no reference for it: its
 * checkout's create timed out and the attempt was given up (START_FAILED), yet PayRam made it.
 * PayRam's answer must name the attempt's invoice and the order's customer.
 */
async function lostStartNamedBy(deps: SyncDeps, payment: PayramPayment): Promise<PaymentAttempt | null> {
  const invoice = payment.invoiceId ? parseInvoiceId(payment.invoiceId) : null;
  if (!invoice || payment.customerId !== customerIdFor(invoice.orderNumber, deps.customerPrefix)) return null;
  return (
    (await deps.db
      .selectFrom("payment_attempts")
      .innerJoin("orders", "orders.id", "payment_attempts.order_id")
      .selectAll("payment_attempts")
      .where("orders.number", "=", invoice.orderNumber)
      .where("payment_attempts.attempt_number", "=", invoice.attemptNumber)
      .where("payment_attempts.state", "=", "START_FAILED")
      .where("payment_attempts.reference_id", "is", null)
      .executeTakeFirst()) ?? null
  );
}

/**
 * Takes PayRam's payment for a start the checkout gave up on: money must never be lost to a
 * time-out. With no other payment of the order open, the attempt opens again (its stock is taken
 * back, or the order flagged when it is gone) and PayRam's states then apply as to any payment;
 * with another one open, it keeps the reference, PayRam's final word still counts, and the
 * merchant is told PayRam may hold two. Returns the attempt's id, or null when it was not ours.
 */
async function takeLostStart(db: Db, attempt: PaymentAttempt, payment: PayramPayment, source: EventSource): Promise<string | null> {
  const referenceId = payment.referenceId;
  const taken = await db.transaction().execute(async (trx) => {
    await trx.selectFrom("orders").select("id").where("id", "=", attempt.order_id).$if(isPostgres(db), (qb) => qb.forUpdate()).executeTakeFirst();
    const held = await trx.selectFrom("payment_attempts").select("id").where("reference_id", "=", referenceId).executeTakeFirst();
    if (held) return held.id;
    const other = await trx.selectFrom("payment_attempts").select("id").where("order_id", "=", attempt.order_id).where("origin", "=", "checkout").where("state", "in", OPEN_ATTEMPT_STATES).executeTakeFirst();
    const now = nowIso();
    const updated = await trx
      .updateTable("payment_attempts")
      .set(other ? { reference_id: referenceId } : { reference_id: referenceId, state: "OPEN", closed_at: null, failure_reason: null, updated_at: now, next_sync_at: now })
      .where("id", "=", attempt.id)
      .where("reference_id", "is", null)
      .where("state", "=", "START_FAILED")
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) {
      // The checkout's own late answer opened it meanwhile: the same payment.
      const current = await trx.selectFrom("payment_attempts").select("reference_id").where("id", "=", attempt.id).executeTakeFirstOrThrow();
      return current.reference_id === referenceId ? attempt.id : null;
    }
    const note = `PayRam had made ${referenceId} although its create timed out`;
    await recordPaymentEvent(trx, attempt, { source, from: "START_FAILED", to: other ? "START_FAILED" : "OPEN", note, at: now });
    if (other) {
      await raiseAttention(trx, { order_id: attempt.order_id, attempt_id: attempt.id, kind: "start_failed", detail: `${note}, while another payment of the order was open: PayRam may hold two`, created_at: now });
    } else {
      await refreshOrderPayment(trx, attempt.order_id);
    }
    return attempt.id;
  });
  if (taken) log.warn({ event: "lost_start", reference: referenceId, reopened: true }, "PayRam had made a payment whose create timed out: taken");
  return taken;
}

/** A delivery named a start the checkout gave up on, and PayRam's answer does not prove it ours: the merchant checks. */
async function flagUnprovenStart(db: Db, attempt: PaymentAttempt, referenceId: string): Promise<void> {
  log.warn({ event: "lost_start", reference: referenceId }, "a delivery names a payment the checkout gave up on, PayRam's answer another: not taken");
  await db.transaction().execute((trx) =>
    raiseAttention(trx, {
      order_id: attempt.order_id,
      attempt_id: attempt.id,
      kind: "start_failed",
      detail: `A delivery named PayRam's ${referenceId} for this payment, which the shop gave up on when its create timed out; PayRam's answer does not show its invoice and customer, so it was not taken. Look it up in PayRam.`,
    }),
  );
}

/**
 * Takes a reference PayRam opened by itself for one of the shop's customers — under one reading
 * of PayRam, a top-up after an underpayment is a new payment request with a new reference and the
 * same customer — as a further payment of that order. PayRam's GET must name the same customer,
 * and an email the delivery names must be the order's. Returns the attempt's id, or null.
 */
async function adoptReference(deps: SyncDeps, payment: PayramPayment, customer: { id: string; email: string | null }, source: EventSource): Promise<string | null> {
  const { db } = deps;
  const orderNumber = parseCustomerId(customer.id, deps.customerPrefix);
  if (orderNumber === null || payment.customerId !== customer.id) {
    log.warn({ event: "adopt", reference: payment.referenceId }, "a delivery names one of the shop's customers, PayRam's answer another: not taken");
    return null;
  }
  return db.transaction().execute(async (trx) => {
    const order = await trx.selectFrom("orders").selectAll().where("number", "=", orderNumber).$if(isPostgres(db), (qb) => qb.forUpdate()).executeTakeFirst();
    if (!order) {
      log.warn({ event: "adopt", reference: payment.referenceId }, "a delivery names a customer with no order: not taken");
      return null;
    }
    if (customer.email !== null && customer.email.toLowerCase() !== order.email.toLowerCase()) {
      log.warn({ event: "adopt", order: order.number, reference: payment.referenceId }, "a PayRam payment names this order's customer but another email: not taken");
      return null;
    }
    const known = await trx.selectFrom("payment_attempts").select("id").where("reference_id", "=", payment.referenceId).executeTakeFirst();
    if (known) return known.id;
    // The checkout may be about to store this very reference: never take it from under it.
    const starting = await trx.selectFrom("payment_attempts").select("id").where("order_id", "=", order.id).where("state", "=", "STARTING").executeTakeFirst();
    if (starting) {
      // Answered with a 5xx (a thrown error), so that PayRam delivers it again.
      throw new Error(`PayRam's payment ${payment.referenceId} for order ${order.number} came while the order's own payment was starting: try again`);
    }
    const now = nowIso();
    // What PayRam asked for on this request; no amount check applies to a reference we did not open.
    const amountCents = Math.max(1, payment.amountCents ?? payment.filledCents ?? 1);
    const attempt = await trx
      .insertInto("payment_attempts")
      .values(await newAttemptRow(trx, order.id, { origin: "payram", state: "OPEN", reference_id: payment.referenceId, amount_cents: amountCents }, now))
      .onConflict((oc) => oc.column("reference_id").doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!attempt) return null;
    await recordPaymentEvent(trx, attempt, { source, from: null, to: "OPEN", note: `PayRam opened ${payment.referenceId} for this order's customer (a top-up)`, at: now });
    log.info({ event: "adopt", order: order.number, reference: payment.referenceId }, "PayRam payment taken as a further payment of the order");
    return attempt.id;
  });
}

/** By reference; else by the invoice id the shop gave it (a notification may outrun the checkout). */
export async function findAttempt(db: Db, match: PaymentMatch): Promise<PaymentAttempt | null> {
  if ("referenceId" in match) {
    const byReference = await db.selectFrom("payment_attempts").selectAll().where("reference_id", "=", match.referenceId).executeTakeFirst();
    if (byReference || !match.invoiceId) return byReference ?? null;
  }
  const invoice = match.invoiceId ? parseInvoiceId(match.invoiceId) : null;
  if (!invoice) return null;
  return (
    (await db
      .selectFrom("payment_attempts")
      .innerJoin("orders", "orders.id", "payment_attempts.order_id")
      .selectAll("payment_attempts")
      .where("orders.number", "=", invoice.orderNumber)
      .where("payment_attempts.attempt_number", "=", invoice.attemptNumber)
      .executeTakeFirst()) ?? null
  );
}

/**
 * `askedAt`: when the GET that read `payment` started (news a delivery announced after it is still unseen).
 *
 * Load the order's entries, let the ledger decide (lib/rules/ledger.ts), apply: nothing here
 * decides money. With the order's row locked (Postgres; SQLite runs one writer), so two
 * references of one order applied at once on two instances each see the other, and the order is
 * paid once (the fulfilments key).
 */
async function applyPayment(db: Db, attemptId: string, payment: PayramPayment, source: EventSource, askedAt: string): Promise<SyncResult> {
  const { order_id: orderId } = await db.selectFrom("payment_attempts").select("order_id").where("id", "=", attemptId).executeTakeFirstOrThrow();
  return db.transaction().execute(async (trx) => {
    const order = await trx.selectFrom("orders").selectAll().where("id", "=", orderId).$if(isPostgres(db), (qb) => qb.forUpdate()).executeTakeFirstOrThrow();
    const current = await trx
      .selectFrom("payment_attempts")
      .selectAll()
      .where("id", "=", attemptId)
      .$if(isPostgres(db), (qb) => qb.forUpdate())
      .executeTakeFirstOrThrow();
    const before = await loadVerdict(trx, order);
    const now = nowIso();
    // What PayRam reports now, as the ledger reads an entry.
    const reported = {
      ...current,
      payram_amount_cents: payment.amountCents ?? current.payram_amount_cents,
      received_usd: payment.filledUsd ?? current.received_usd,
      received_at_quote: payment.filledAtQuoteUsd ?? current.received_at_quote,
    };
    const arrived = arrivedCents(entryOf(order.total_cents, reported));
    const to = nextState(current, payment.state, arrived);
    // What the status page shows besides the state and the money.
    const shown = {
      currency: payment.currency ?? current.currency,
      network: payment.network ?? current.network,
      deposit_address: payment.depositAddress ?? current.deposit_address,
      confirmations_current: payment.confirmations?.current ?? current.confirmations_current,
      confirmations_required: payment.confirmations?.required ?? current.confirmations_required,
    };
    const quiet = to === null ? current.quiet_syncs + 1 : 0;
    const closes = to !== null && closesAttempt(to);
    const final = closes || (to === null && closesAttempt(current.state));
    // A delivery announced news after this GET started: ask again as soon as the interval allows.
    const unseenNews = !final && current.unseen_news_at !== null && current.unseen_news_at > askedAt ? current.unseen_news_at : null;
    const nextSync = final ? null : unseenNews ? earliest(nextSyncAt(quiet, current.expires_at), Date.now() + DELIVERY_SYNC_INTERVAL_MS) : nextSyncAt(quiet, current.expires_at);

    await trx
      .updateTable("payment_attempts")
      .set({
        last_synced_at: now,
        next_sync_at: nextSync,
        unseen_news_at: unseenNews,
        quiet_syncs: quiet,
        payram_amount_cents: reported.payram_amount_cents,
        ...shown,
        ...(to === null
          ? {}
          : {
              state: to,
              amount_received_cents: arrived,
              received_usd: reported.received_usd,
              received_at_quote: reported.received_at_quote,
              credit_cents: entryCreditCents(entryOf(order.total_cents, { ...reported, state: to })),
              updated_at: now,
              ...(closes ? { closed_at: now } : {}),
            }),
      })
      .where("id", "=", current.id)
      .execute();
    // Money flags are about the order (one per order while unresolved, whichever reference
    // raised it); the others about this reference.
    const flag = (kind: AttentionKind, detail: string) =>
      raiseAttention(trx, { order_id: current.order_id, attempt_id: current.id, kind, detail, order_key: ORDER_FLAGS.has(kind) ? kind : null, created_at: now });

    if (payment.state === "UNKNOWN") {
      // UNDEFINED (PayRam's fallback) or a state this shop does not know: keep what we know, say so.
      log.warn({ event: "payram_state", reference: payment.referenceId, state: payment.reportedState, kept: current.state }, "PayRam reported an unknown payment state");
      await flag("unknown_state", `PayRam reported the state "${payment.reportedState}"; the shop kept ${current.state} and will ask again`);
    }
    if (to === null) {
      // Nothing moved, but the status page also shows these: its watchers hear if they did.
      if ((Object.keys(shown) as (keyof typeof shown)[]).some((column) => shown[column] !== current[column])) await orderChanged(trx, current.order_id);
      return { outcome: "unchanged" as const, attempt: current, fulfilled: false };
    }

    await recordPaymentEvent(trx, current, {
      source,
      from: current.state,
      to,
      receivedCents: arrived,
      note: arrived === null ? null : `received ${centsToDecimal(arrived)} USD`,
      at: now,
    });

    const verdict = await loadVerdict(trx, order);
    let fulfilled = false;
    if (order.cancelled_at !== null) {
      // The merchant cancelled it: money that still arrives is not a sale. It stays refundable.
      if ((arrived ?? 0) > (current.amount_received_cents ?? 0)) {
        await flag("cancelled_with_funds", `${centsToDecimal(arrived ?? 0)} USD arrived on ${current.reference_id ?? "a payment"} after the order was cancelled: refund it`);
      }
    } else {
      if (order.paid_at === null && isPaid(verdict)) fulfilled = await fulfil(trx, current, now);
      // Held for the merchant: another amount than the shop's, or an answer only drifted USD values would give.
      if (verdict.kind === "held") await flag("amount_mismatch", verdict.detail);
      if (verdict.kind === "surplus" && (before.kind !== "surplus" || verdict.surplusCents > before.surplusCents)) await flag("over_filled", verdict.detail);
    }
    if (to === "CANCELLED" && (arrived ?? 0) > 0 && order.paid_at === null && !fulfilled) {
      await flag("cancelled_with_funds", `cancelled after ${centsToDecimal(arrived ?? 0)} USD of ${centsToDecimal(current.amount_cents)} USD was received`);
    }
    await refreshOrderPayment(trx, current.order_id);
    const attempt = await trx.selectFrom("payment_attempts").selectAll().where("id", "=", current.id).executeTakeFirstOrThrow();
    return { outcome: "changed" as const, attempt, fulfilled, from: current.state, to };
  });
}

/** Flags raised once per order, whichever of its references raised them. */
const ORDER_FLAGS: ReadonlySet<AttentionKind> = new Set(["over_filled", "cancelled_with_funds", "amount_mismatch"]);

function earliest(iso: string, ms: number): string {
  return new Date(Math.min(Date.parse(iso), ms)).toISOString();
}

/**
 * Backs off while nothing changes, but never past the payment's expiry: PayRam may never announce
 * it, so the sweep looks again just after it.
 */
function nextSyncAt(quietSyncs: number, expiresAt: string | null): string {
  const backedOff = Date.now() + backoffMs(quietSyncs);
  const expiry = expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(expiresAt) + EXPIRY_GRACE_MS;
  return new Date(expiry > Date.now() ? Math.min(backedOff, expiry) : backedOff).toISOString();
}

/** How long after a payment's expiry the sweep asks: PayRam's own expiry check may run a little late. */
const EXPIRY_GRACE_MS = 5_000;

function backoffMs(quietSyncs: number): number {
  return Math.min(SYNC_BACKOFF.maxMs, SYNC_BACKOFF.firstMs * 2 ** Math.min(quietSyncs, 20));
}

/** Marks the order paid and queues its fulfilment, once: the fulfilments primary key is the guard. */
async function fulfil(trx: Db, attempt: PaymentAttempt, now: string): Promise<boolean> {
  const ships = await trx
    .selectFrom("order_items")
    .select((eb) => eb.fn.max("ships").as("ships"))
    .where("order_id", "=", attempt.order_id)
    .executeTakeFirst();
  const inserted = await trx
    .insertInto("fulfilments")
    .values({ order_id: attempt.order_id, attempt_id: attempt.id, kind: ships?.ships ? "ship" : "deliver", created_at: now, completed_at: null })
    .onConflict((oc) => oc.column("order_id").doNothing())
    .executeTakeFirst();
  await trx
    .updateTable("orders")
    .set({ paid_at: now, updated_at: now })
    .where("id", "=", attempt.order_id)
    .where("paid_at", "is", null)
    .execute();
  // The "paid" mails, once: with the fulfilment that happens once.
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) await mailPaid(trx, attempt.order_id);
  // Money kept after a cancelled payment is no longer the merchant's to chase: the order is paid.
  await trx
    .updateTable("attention_items")
    .set({ resolved_at: now, resolution_note: "resolved by the shop: the order was then paid in full" })
    .where("order_id", "=", attempt.order_id)
    .where("kind", "=", "cancelled_with_funds")
    .where("resolved_at", "is", null)
    .execute();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
}
