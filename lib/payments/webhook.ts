import { createHash } from "node:crypto";
import type { Insertable } from "kysely";
import type { Db } from "../db";
import { nowIso, type DeliveryVerdict, type WebhookDeliveriesTable } from "../db/schema";
import { readWebhook } from "../payram/webhook";
import { elapsed, errorMessage, log } from "../log";
import { hitCappedLimit, hitRateLimit, LIMITS } from "../security/rate-limit";
import { sweepAllOpen } from "./sweep";
import { syncPayment, type SyncDeps } from "./sync";

/**
 * PayRam's notifications, from the raw request to a 2xx. The payload only names
 * the payment: PayRam's GET is the truth, through syncPayment. Every authenticated delivery is
 * recorded before anything acts on it; only a failure a retry could cure answers 5xx.
 */
export interface WebhookDeps extends SyncDeps {
  webhookKeys: readonly string[];
  requireSignature: boolean;
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

export const MAX_WEBHOOK_BYTES = 64 * 1024;
/** How much of a body the delivery log keeps: PayRam's in full (for the merchant's timeline), a refused one's only as an excerpt. */
const KEPT_BODY_CHARS = 4_000;
export const REFUSED_BODY_CHARS = 200;

export async function receiveWebhook(deps: WebhookDeps, incoming: IncomingWebhook): Promise<WebhookAnswer> {
  const started = performance.now();
  const answer = await handleWebhook(deps, incoming);
  log.info(
    { event: "webhook", method: incoming.method, status: answer.status, result: answer.body.result ?? answer.body.error, ms: elapsed(started) },
    "webhook delivery",
  );
  return answer;
}

async function handleWebhook(deps: WebhookDeps, incoming: IncomingWebhook): Promise<WebhookAnswer> {
  const reading = readWebhook(incoming, { keys: deps.webhookKeys, requireSignature: deps.requireSignature });
  // PayRam's test ping: acknowledged with no side effect.
  if (reading.kind === "ping") return { status: 200, body: { ok: true, result: "ping" } };
  const method = incoming.method.toUpperCase();
  const bodyText = Buffer.from(incoming.body).toString("utf8");
  const record = (values: Partial<Omit<Insertable<WebhookDeliveriesTable>, "id">> & { verdict: DeliveryVerdict; auth: WebhookDeliveriesTable["auth"] }) =>
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
    await record({ verdict: "ignored", reason: "payout event", ...about });
    return { status: 200, body: { ok: true, result: "ignored" } };
  }

  const deliveryId = await record({ verdict: "received", ...about });
  try {
    if (!reading.names) {
      // The seed's GET names no payment: PayRam's GET for every open one is the truth anyway.
      const swept = await sweepOpenCoalesced(deps);
      await settle(deps.db, deliveryId, "accepted", `synced ${swept.checked} open payments (${swept.changed} changed)`, null);
      return { status: 200, body: { ok: true, result: "accepted" } };
    }
    const synced = await syncPayment(deps, reading.names, "webhook");
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
    // Our side (PayRam's GET, the database) failed: 5xx makes PayRam deliver again.
    await settle(deps.db, deliveryId, "failed", describe(error), null).catch(() => {});
    return { status: 503, body: { ok: false, error: "temporarily unable to process; please retry" } };
  }
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
