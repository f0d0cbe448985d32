import { createHash } from "node:crypto";
import type { Insertable } from "kysely";
import type { Db } from "../db";
import { DELIVERY_VERDICTS, nowIso, type DeliveryVerdict, type PaymentAttempt, type WebhookDeliveriesTable } from "../db/schema";
import { readWebhook, type WebhookNotice } from "../payram/webhook";
import { elapsed, errorMessage, log } from "../log";
import { metrics } from "../metrics";
import { processWide } from "../process-wide";
import { hitCappedLimit, hitRateLimit, LIMITS } from "../security/rate-limit";
import { sweepAllOpen } from "../payments/sweep";
import { forgetPending, isAdoptable, notePending } from "../payments/pending";
import { isSyncable, nextState, PAYRAM_STATES } from "../rules/states";
import { syncPayment, type SyncDeps } from "../payments/sync";
import { claimSync, DELIVERY_SYNC_INTERVAL_MS, releaseClaim, requestResync, type Claim } from "../payments/sync-claim";
import { payoutNews } from "../refunds";

/**
 * PayRam's notifications, from the raw request to a 2xx. The payload only names
 * the payment: PayRam's GET is the truth, through syncPayment. Every authenticated delivery is
 * recorded before anything acts on it; only a failure a retry could cure answers 5xx.
 */
export interface WebhookDeps extends SyncDeps {
  webhookKeys: readonly string[];
  requireSignature: boolean;
  /** How often a delivery may make the shop ask PayRam about one reference (DELIVERY_SYNC_INTERVAL_MS; tests change it). */
  deliverySyncIntervalMs?: number;
}

export interface IncomingWebhook {
  method: string;
  headers: Headers;
  /** The raw body of a POST. Next.js never hands the app a GET body. */
  body: Uint8Array;
  query: URLSearchParams;
  /** Who sent it (lib/security/rate-limit.ts clientAddress), for the limit on refused deliveries. */
  client: string;
  /** When it arrived (ms), for the rate limits; now by default. */
  receivedAt?: number;
}

export interface WebhookAnswer {
  status: number;
  body: { ok: boolean; result?: string; error?: string };
  /** With 429: when the sender may try again. */
  retryAfterSeconds?: number;
}

/** Writes a delivery's row (the method and body filled in); returns its id. */
type RecordDelivery = (values: Partial<Omit<Insertable<WebhookDeliveriesTable>, "id">> & { verdict: DeliveryVerdict; auth: WebhookDeliveriesTable["auth"] }) => Promise<number>;

export const MAX_WEBHOOK_BYTES = 64 * 1024;
/** How much of a body the delivery log keeps: PayRam's in full (for the merchant's timeline), a refused one's only as an excerpt. */
const KEPT_BODY_CHARS = 4_000;
export const REFUSED_BODY_CHARS = 200;

export async function receiveWebhook(deps: WebhookDeps, incoming: IncomingWebhook): Promise<WebhookAnswer> {
  const started = performance.now();
  const answer = await handleWebhook(deps, incoming);
  countDelivery(verdictOf(answer));
  log.info(
    { event: "webhook", method: incoming.method, status: answer.status, result: answer.body.result ?? answer.body.error, ms: elapsed(started) },
    "webhook delivery",
  );
  return answer;
}

/** Results an accepted delivery can have (the answer's `result`): the metric's label values. */
const RESULTS = new Set<string>([...DELIVERY_VERDICTS, "ping"]);

/** A delivery's verdict as shop_webhook_deliveries_total counts it: one of a short fixed list. */
function verdictOf(answer: WebhookAnswer): string {
  if (answer.body.ok) return answer.body.result && RESULTS.has(answer.body.result) ? answer.body.result : "accepted";
  if (answer.status === 401) return "unauthorized";
  if (answer.status === 429) return "rate_limited";
  if (answer.status === 413) return "too_large";
  return answer.status >= 500 ? "failed" : "rejected";
}

/** Counts one delivery (the route counts those it answers itself: too large, or our side down). */
export function countDelivery(verdict: string): void {
  metrics().webhookDeliveries.inc({ verdict });
}

async function handleWebhook(deps: WebhookDeps, incoming: IncomingWebhook): Promise<WebhookAnswer> {
  const reading = readWebhook(incoming, { keys: deps.webhookKeys, requireSignature: deps.requireSignature });
  // PayRam's test ping: acknowledged with no side effect.
  if (reading.kind === "ping") return { status: 200, body: { ok: true, result: "ping" } };
  const method = incoming.method.toUpperCase();
  const bodyText = Buffer.from(incoming.body).toString("utf8");
  const record: RecordDelivery = (values) =>
    recordDelivery(deps.db, {
      method,
      body: bodyText === "" ? null : bodyText.slice(0, values.verdict === "rejected" ? REFUSED_BODY_CHARS : KEPT_BODY_CHARS),
      ...values,
    });

  if (reading.kind === "refused") {
    // A flood of forged deliveries is answered 429 and no longer recorded: per client, and from
    // all clients together (with ever new addresses), so refused traffic writes a bounded amount.
    const limited = await hitCappedLimit(deps.db, LIMITS.rejectedWebhooks, LIMITS.rejectedWebhooksShopWide, incoming.client, incoming.receivedAt);
    if (!limited.allowed) return { status: 429, body: { ok: false, error: "too many refused deliveries" }, retryAfterSeconds: limited.retryAfterSeconds };
    await record({ verdict: "rejected", auth: "none", reason: reading.reason });
    return { status: 401, body: { ok: false, error: "unauthorized" } };
  }
  // A captured delivery replayed over and over is authentic each time. Past a few copies it is
  // acknowledged unrecorded and unsynced: it carries no news (its earlier copies each made the
  // shop ask PayRam), and a 2xx, unlike a 429, stops PayRam retrying it for two days.
  const copy = createHash("sha256").update(`${method}\n${method === "POST" ? bodyText : incoming.query.toString()}`).digest("base64url");
  const copies = await hitRateLimit(deps.db, LIMITS.sameDelivery, copy, incoming.receivedAt);
  if (!copies.allowed) return { status: 200, body: { ok: true, result: "duplicate" } };

  const about = { auth: reading.auth, reference_id: reading.notice?.referenceId ?? null, event_type: reading.notice?.eventType ?? null, payload_status: reading.notice?.status ?? null };
  if (reading.kind === "malformed") {
    await record({ verdict: "rejected", reason: reading.reason, ...about });
    return { status: 400, body: { ok: false, error: reading.reason } };
  }
  if (reading.kind === "payout") {
    // Only a signal: the refund it names is read from PayRam (lib/refunds).
    const payoutId = reading.notice.payoutId;
    const verdict = payoutId ? await payoutNews(deps, payoutId) : "unknown_reference";
    await record({ verdict, reason: verdict === "accepted" ? `payout ${payoutId}` : "a payout this shop did not make", ...about, reference_id: payoutId ?? null });
    return { status: 200, body: { ok: true, result: verdict } };
  }

  const arrivedAt = incoming.receivedAt ?? Date.now();
  // A reference the shop holds: PayRam is asked about it at most once per 2 s, whatever the
  // delivery rate (a confirmation storm), on every instance.
  const known = reading.names && "referenceId" in reading.names ? await attemptByReference(deps.db, reading.names.referenceId) : null;
  let claim: Claim | null = null;
  if (known) {
    const claimed = await claimSync(deps.db, known, intervalOf(deps), { stateChange: claimsNewState(known, reading.notice) });
    if (typeof claimed !== "object") return throttle(deps, known, reading.notice, new Date(arrivedAt), about, record);
    claim = claimed;
  }

  const deliveryId = await record({ verdict: "received", ...about }).catch(async (error: unknown) => {
    // Not even recorded (the database): the route answers 5xx; the claim must not outlive it.
    if (claim) await releaseClaim(deps.db, known!.id, claim);
    throw error;
  });
  try {
    if (!reading.names) {
      // The seed's GET names no payment: PayRam's GET for every open one is the truth anyway.
      const swept = await sweepOpenCoalesced(deps);
      await settle(deps.db, deliveryId, "accepted", `synced ${swept.checked} open payments (${swept.changed} changed)`, null);
      return { status: 200, body: { ok: true, result: "accepted" } };
    }
    const synced = await syncPayment(deps, reading.names, "webhook", { freshAfter: arrivedAt });
    if (isAdoptable(reading.names) && !known) await forgetPending(deps.db, reading.names.referenceId);
    const verdict: DeliveryVerdict =
      synced.outcome === "changed" ? "accepted" : synced.outcome === "unchanged" ? "duplicate" : "unknown_reference";
    const reason =
      synced.outcome === "changed"
        ? `${synced.from} → ${synced.to}`
        : synced.outcome === "unknown_at_payram"
          ? "PayRam does not know this reference"
          : synced.outcome === "unknown_reference"
            ? "not a payment of this shop"
            : "nothing new";
    await settle(deps.db, deliveryId, verdict, reason, synced.attempt?.order_id ?? null);
    return { status: 200, body: { ok: true, result: verdict } };
  } catch (error) {
    // A reference the shop does not hold yet, for one of its customers: PayRam may answer 500 for
    // a reference it does not know, so after about 10 s of retries it is kept for the sweep.
    if (isAdoptable(reading.names) && !known && (await notePending(deps.db, reading.names, arrivedAt).catch(() => false))) {
      await settle(deps.db, deliveryId, "pending", `PayRam could not be asked (${describe(error)}); the sweep will ask again`, null).catch(() => {});
      return { status: 200, body: { ok: true, result: "pending" } };
    }
    // Our side (PayRam's GET, the database) failed: 5xx makes PayRam deliver again.
    await settle(deps.db, deliveryId, "failed", describe(error), null).catch(() => {});
    return { status: 503, body: { ok: false, error: "temporarily unable to process; please retry" } };
  } finally {
    if (claim) await releaseClaim(deps.db, known!.id, claim);
  }
}

/**
 * A delivery for a reference PayRam was asked about less than 2 s ago (or is being asked about).
 * It claims nothing new: nothing to do. It claims news: the next sync is stored for the end of
 * that claim, since the GET under way may have started before this delivery arrived. Either way
 * it gets its 2xx, and one row per reference and claim counts the copies.
 */
async function throttle(
  deps: WebhookDeps,
  attempt: PaymentAttempt,
  notice: WebhookNotice,
  arrivedAt: Date,
  about: Pick<WebhookDeliveriesTable, "auth" | "reference_id" | "event_type" | "payload_status">,
  record: RecordDelivery,
): Promise<WebhookAnswer> {
  const news = isSyncable(attempt.state) && claimsNews(attempt, notice);
  const resyncAt = news ? await requestResync(deps.db, attempt.id, arrivedAt, intervalOf(deps)) : null;
  // The stored time is for the sweep (and survives a crash); this instance also asks then itself,
  // so the news reaches the order within the interval, not the sweep's.
  if (resyncAt) resyncLater(deps, attempt.id, attempt.reference_id!, resyncAt);
  const reason = news
    ? `claims news while PayRam was asked less than 2 s ago: asked again ${resyncAt ? `at ${resyncAt}` : "by the next sync"}`
    : "nothing new, and PayRam was asked less than 2 s ago";
  const now = nowIso();
  await record({ verdict: "throttled", reason, order_id: attempt.order_id, claim_key: claimKey(attempt.reference_id!, notice), last_seen_at: now, ...about });
  return { status: 200, body: { ok: true, result: "throttled" } };
}

/** One throttled row per reference and claim (what the delivery says about state, money and confirmations). */
function claimKey(referenceId: string, notice: WebhookNotice): string {
  const confirmations = notice.confirmations ? `${notice.confirmations.current}/${notice.confirmations.required}` : "";
  return [referenceId, notice.status?.toUpperCase() ?? "", notice.filledCents ?? "", confirmations].join("|");
}

/**
 * Whether a delivery says something the shop does not hold for its reference. A field it does not
 * carry is no claim; neither are 0 of 0 confirmations (PayRam's final delivery says so of a
 * confirmed deposit).
 */
function claimsNews(attempt: PaymentAttempt, notice: WebhookNotice): boolean {
  // Naming only the payment (the seed's GET form) says "something changed": news, for safety.
  if (!notice.status?.trim() && notice.filledCents === null && notice.confirmations === null) return true;
  const status = notice.status?.trim().toUpperCase();
  if (status && (status === "CANCELED" ? "CANCELLED" : status) !== attempt.state) return true;
  if (notice.filledCents !== null && notice.filledCents !== (attempt.amount_received_cents ?? 0)) return true;
  const confirmations = notice.confirmations;
  if (confirmations && confirmations.required > 0) {
    return confirmations.current !== attempt.confirmations_current || confirmations.required !== attempt.confirmations_required;
  }
  return false;
}

const intervalOf = (deps: WebhookDeps) => deps.deliverySyncIntervalMs ?? DELIVERY_SYNC_INTERVAL_MS;

const resyncs = processWide("delivery-resyncs", () => new Set<string>());

/**
 * Asks PayRam about a reference once the claim in the way has ended, while a delivery's news is
 * still unseen (unseen_news_at: a GET since has cleared it). One timer per reference per
 * process, for about a minute at most; past that (or after a crash) the stored next sync is the
 * sweep's.
 */
function resyncLater(deps: WebhookDeps, attemptId: string, referenceId: string, at: string, round = 0) {
  if (round === 0 && resyncs.has(referenceId)) return;
  if (round >= 30) return void resyncs.delete(referenceId);
  resyncs.add(referenceId);
  const wait = Math.min(Math.max(0, Date.parse(at) - Date.now()), intervalOf(deps));
  const timer = setTimeout(() => {
    void (async () => {
      const attempt = await deps.db.selectFrom("payment_attempts").selectAll().where("id", "=", attemptId).executeTakeFirst();
      if (!attempt || attempt.unseen_news_at === null || !isSyncable(attempt.state)) return resyncs.delete(referenceId);
      const claim = await claimSync(deps.db, attempt, intervalOf(deps));
      // Someone else is asking, or just asked: look again after another interval.
      if (typeof claim !== "object") return resyncLater(deps, attemptId, referenceId, new Date(Date.now() + intervalOf(deps)).toISOString(), round + 1);
      resyncs.delete(referenceId);
      try {
        await syncPayment(deps, { referenceId }, "webhook", { freshAfter: Date.parse(attempt.unseen_news_at) });
      } finally {
        await releaseClaim(deps.db, attemptId, claim);
      }
    })().catch((error: unknown) => {
      resyncs.delete(referenceId);
      log.warn({ event: "webhook_resync", referenceId, err: errorMessage(error) }, "a deferred sync failed; the sweep will ask");
    });
  }, wait + 20);
  timer.unref();
}

/** The delivery says the payment moved to another state (FILLED, say) than the one the shop holds. */
function claimsNewState(attempt: PaymentAttempt, notice: WebhookNotice): boolean {
  const status = notice.status?.trim().toUpperCase();
  const state = PAYRAM_STATES.find((known) => known === (status === "CANCELED" ? "CANCELLED" : status));
  if (!state) return false;
  const next = nextState(attempt, state, notice.filledCents);
  return next !== null && next !== attempt.state;
}

async function attemptByReference(db: Db, referenceId: string): Promise<PaymentAttempt | null> {
  return (await db.selectFrom("payment_attempts").selectAll().where("reference_id", "=", referenceId).executeTakeFirst()) ?? null;
}

let sweeping: ReturnType<typeof sweepAllOpen> | null = null;

/** Many GET notifications at once share one pass over the open payments. */
function sweepOpenCoalesced(deps: SyncDeps) {
  sweeping ??= sweepAllOpen(deps, "webhook").finally(() => {
    sweeping = null;
  });
  return sweeping;
}

async function recordDelivery(
  db: Db,
  values: Partial<Omit<Insertable<WebhookDeliveriesTable>, "id">> & Pick<WebhookDeliveriesTable, "method" | "verdict" | "auth">,
): Promise<number> {
  const row = await db
    .insertInto("webhook_deliveries")
    .values({
      received_at: nowIso(),
      reason: null,
      reference_id: null,
      event_type: null,
      payload_status: null,
      order_id: null,
      body: null,
      ...values,
    })
    // A throttled copy of a claim already recorded counts on that row.
    .onConflict((oc) =>
      oc.column("claim_key").doUpdateSet((eb) => ({
        copies: eb("webhook_deliveries.copies", "+", 1),
        last_seen_at: eb.ref("excluded.received_at"),
        reason: eb.ref("excluded.reason"),
      })),
    )
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

async function settle(db: Db, id: number, verdict: DeliveryVerdict, reason: string, orderId: string | null) {
  await db
    .updateTable("webhook_deliveries")
    .set({ verdict, reason, ...(orderId ? { order_id: orderId } : {}) })
    .where("id", "=", id)
    .execute();
}

function describe(error: unknown): string {
  return errorMessage(error).slice(0, 300);
}
