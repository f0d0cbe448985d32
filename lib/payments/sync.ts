import { isPostgres, type Db } from "../db";
import { nowIso, type AttemptState, type AttentionKind, type EventSource, type PaymentAttempt } from "../db/schema";
import { centsToDecimal } from "../money";
import type { PayramClient, PayramPayment } from "../payram/client";
import { parseInvoiceId } from "../payram/ids";
import { log } from "../log";
import { processWide } from "../process-wide";
import { recordPaymentEvent, refreshOrderPayment } from "./attempts";
import { closesAttempt, nextState, paysOrder } from "./states";

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

/** Concurrent syncs of one reference inside this process share one PayRam request. */
const inFlight = processWide("sync-in-flight", () => new Map<string, Promise<SyncResult>>());

export async function syncPayment(
  deps: SyncDeps,
  match: { referenceId: string } | { invoiceId: string },
  source: EventSource,
): Promise<SyncResult> {
  const attempt = await findAttempt(deps.db, match);
  if (!attempt) return { outcome: "unknown_reference", attempt: null, fulfilled: false };
  const referenceId = "referenceId" in match ? match.referenceId : attempt.reference_id;
  // Matched by invoice before the checkout stored the reference: nothing to ask PayRam yet.
  if (!referenceId) return { outcome: "unchanged", attempt, fulfilled: false };

  const running = inFlight.get(referenceId);
  // Joining a sync already under way: its news is not ours to report again.
  if (running) return running.then((result) => (result.outcome === "changed" ? { ...result, outcome: "unchanged", fulfilled: false } : result));
  const work = (async () => {
    const payment = await deps.payram.getPayment(referenceId);
    if (!payment) return { outcome: "unknown_at_payram" as const, attempt, fulfilled: false };
    return applyPayment(deps.db, attempt.id, payment, source);
  })();
  inFlight.set(referenceId, work);
  try {
    return await work;
  } finally {
    inFlight.delete(referenceId);
  }
}

async function findAttempt(db: Db, match: { referenceId: string } | { invoiceId: string }): Promise<PaymentAttempt | null> {
  if ("referenceId" in match) {
    return (await db.selectFrom("payment_attempts").selectAll().where("reference_id", "=", match.referenceId).executeTakeFirst()) ?? null;
  }
  const invoice = parseInvoiceId(match.invoiceId);
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

async function applyPayment(db: Db, attemptId: string, payment: PayramPayment, source: EventSource): Promise<SyncResult> {
  return db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom("payment_attempts")
      .selectAll()
      .where("id", "=", attemptId)
      .$if(isPostgres(db), (qb) => qb.forUpdate())
      .executeTakeFirstOrThrow();
    const now = nowIso();
    const to = nextState(current, payment.state, payment.filledCents);
    const quiet = to === null ? current.quiet_syncs + 1 : 0;
    const closes = to !== null && closesAttempt(to);
    const nextSync = closes || (to === null && closesAttempt(current.state)) ? null : new Date(Date.now() + backoffMs(quiet)).toISOString();

    await trx
      .updateTable("payment_attempts")
      .set({
        last_synced_at: now,
        next_sync_at: nextSync,
        quiet_syncs: quiet,
        payram_amount_cents: payment.amountCents ?? current.payram_amount_cents,
        currency: payment.currency ?? current.currency,
        deposit_address: payment.depositAddress ?? current.deposit_address,
        ...(to === null
          ? {}
          : {
              state: to,
              amount_received_cents: Math.max(payment.filledCents ?? 0, current.amount_received_cents ?? 0) || null,
              updated_at: now,
              ...(closes ? { closed_at: now } : {}),
            }),
      })
      .where("id", "=", current.id)
      .execute();
    const flag = async (kind: AttentionKind, detail: string) => {
      await trx
        .insertInto("attention_items")
        .values({ order_id: current.order_id, attempt_id: current.id, kind, detail, created_at: now, resolved_at: null, resolution_note: null })
        .onConflict((oc) => oc.columns(["attempt_id", "kind"]).doNothing())
        .execute();
    };

    if (payment.state === "UNKNOWN") {
      // UNDEFINED (PayRam's fallback) or a state this shop does not know: keep what we know, say so.
      log.warn({ event: "payram_state", reference: payment.referenceId, state: payment.reportedState, kept: current.state }, "PayRam reported an unknown payment state");
      await flag("unknown_state", `PayRam reported the state "${payment.reportedState}"; the shop kept ${current.state} and will ask again`);
    }
    if (to === null) return { outcome: "unchanged" as const, attempt: current, fulfilled: false };

    const received = Math.max(payment.filledCents ?? 0, current.amount_received_cents ?? 0);
    await recordPaymentEvent(trx, current, {
      source,
      from: current.state,
      to,
      receivedCents: received || null,
      note: payment.filledCents === null ? null : `received ${centsToDecimal(received)} USD`,
      at: now,
    });

    let fulfilled = false;
    if (paysOrder(to)) {
      // "Check the reference_id and payment amount against your records": a payment for another
      // amount than the order's is never fulfilled automatically.
      if (payment.amountCents !== current.amount_cents) {
        await flag(
          "amount_mismatch",
          `PayRam's payment is for ${payment.amountCents === null ? "an unreadable amount" : `${centsToDecimal(payment.amountCents)} USD`}, the order's for ${centsToDecimal(current.amount_cents)} USD: not fulfilled automatically`,
        );
      } else {
        fulfilled = await fulfil(trx, current, now);
      }
      if (to === "OVER_FILLED") {
        await flag("over_filled", `received ${centsToDecimal(received)} USD for ${centsToDecimal(current.amount_cents)} USD: ${centsToDecimal(Math.max(0, received - current.amount_cents))} USD more`);
      }
    }
    if (to === "CANCELLED" && received > 0) {
      await flag("cancelled_with_funds", `cancelled after ${centsToDecimal(received)} USD of ${centsToDecimal(current.amount_cents)} USD was received`);
    }
    await refreshOrderPayment(trx, current.order_id);
    const attempt = await trx.selectFrom("payment_attempts").selectAll().where("id", "=", current.id).executeTakeFirstOrThrow();
    return { outcome: "changed" as const, attempt, fulfilled, from: current.state, to };
  });
}

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
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
}
