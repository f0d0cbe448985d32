import type { Kysely } from "kysely";
import type { AttentionKind, Database } from "../db/schema";
import { log } from "../log";
import { centsToDecimal } from "../rules/money";
import { hitRateLimit, LIMITS } from "../security/rate-limit";
import { MERCHANT, queueMail } from "./outbox";

/**
 * Which events mail whom, each queued in the transaction of its event (lib/notify/outbox.ts) under
 * a key that makes it happen once. Only orders with `mails = 1` (placed since mail exists) mail
 * the shopper.
 */

interface MailOrder {
  id: string;
  number: number;
  email: string;
  total_cents: number;
  mails: 0 | 1;
}

/**
 * A PayRam payment opened: how to pay, with the order's link. Sent when the payment opens, never
 * when the order row is written (an address typed by anyone must not turn the shop into a spam
 * relay: a START_FAILED checkout mails nobody), and at most LIMITS.openedMails per address.
 */
export async function mailPaymentOpened(trx: Kysely<Database>, order: MailOrder, attempt: { id: string; amount_cents: number }, paymentUrl: string): Promise<void> {
  if (order.mails !== 1) return;
  const verdict = await hitRateLimit(trx, LIMITS.openedMails, order.email.toLowerCase());
  if (!verdict.allowed) {
    log.warn({ event: "mail", kind: "payment_opened", order: order.number }, "not mailed: too many payment mails to this address this hour");
    return;
  }
  await queueMail(trx, {
    key: `payment_opened:${attempt.id}`,
    to: order.email,
    orderId: order.id,
    payload: { kind: "payment_opened", orderNumber: order.number, orderId: order.id, amountUsd: centsToDecimal(attempt.amount_cents), paymentUrl },
  });
}

/**
 * After an order's payments changed (refreshOrderPayment, with the order locked): the first part
 * of its payment arrived (one mail per order: later increases show on the order's page, live), or
 * its payment expired with nothing received and none is open (a START_FAILED checkout told the
 * shopper at once; a payment replaced while another is open is not "expired").
 */
export async function mailPaymentProgress(
  trx: Kysely<Database>,
  order: MailOrder & { paid_at: string | null; cancelled_at: string | null },
  before: { receivedCents: number },
  now: { receivedCents: number; latest: { id: string; state: string } | null; anyOpen: boolean },
): Promise<void> {
  if (order.mails !== 1 || order.paid_at !== null || order.cancelled_at !== null) return;
  if (before.receivedCents === 0 && now.receivedCents > 0 && now.receivedCents < order.total_cents) {
    await queueMail(trx, {
      key: `partly_paid:${order.id}`,
      to: order.email,
      orderId: order.id,
      payload: { kind: "partly_paid", orderNumber: order.number, orderId: order.id, receivedUsd: centsToDecimal(now.receivedCents), dueUsd: centsToDecimal(order.total_cents) },
    });
  }
  if (now.receivedCents === 0 && !now.anyOpen && now.latest?.state === "CANCELLED") {
    await queueMail(trx, { key: `expired:${now.latest.id}`, to: order.email, orderId: order.id, payload: { kind: "expired", orderNumber: order.number, orderId: order.id } });
  }
}

/**
 * The order is paid: one mail per order (and "downloads ready" when it has digital goods), and
 * the merchant's "new paid order". Called in the transaction that writes the fulfilment.
 */
export async function mailPaid(trx: Kysely<Database>, orderId: string): Promise<void> {
  const order = await trx.selectFrom("orders").select(["id", "number", "email", "total_cents", "mails", "received_cents"]).where("id", "=", orderId).executeTakeFirstOrThrow();
  await queueMail(trx, {
    key: `merchant_paid:${order.id}`,
    to: MERCHANT,
    orderId: order.id,
    payload: { kind: "merchant_paid", orderNumber: order.number, totalUsd: centsToDecimal(order.total_cents), email: order.email },
  });
  if (order.mails !== 1) return;
  const items = await trx
    .selectFrom("order_items")
    .leftJoin("products", "products.id", "order_items.product_id")
    .select(["order_items.name", "order_items.quantity", "order_items.ships", "products.download_sha256"])
    .where("order_items.order_id", "=", orderId)
    .orderBy("order_items.position")
    .execute();
  const files = items.filter((item) => item.ships === 0 && item.download_sha256 !== null).map((item) => item.name);
  await queueMail(trx, {
    key: `paid:${order.id}`,
    to: order.email,
    orderId: order.id,
    payload: {
      kind: "paid",
      orderNumber: order.number,
      orderId: order.id,
      totalUsd: centsToDecimal(Math.max(order.total_cents, order.received_cents)),
      lines: items.map((item) => ({ name: item.name, quantity: item.quantity })),
      ships: items.some((item) => item.ships === 1),
      downloads: files.length > 0,
    },
  });
  if (files.length > 0) {
    await queueMail(trx, { key: `downloads_ready:${order.id}`, to: order.email, orderId: order.id, payload: { kind: "downloads_ready", orderNumber: order.number, orderId: order.id, files } });
  }
}

/** What the merchant is mailed about when it first needs their attention. */
const MAILED_ATTENTION: Partial<Record<AttentionKind, string>> = {
  over_filled: "Overpaid",
  amount_mismatch: "PayRam's amount differs from the order's",
  cancelled_with_funds: "Cancelled after part of the payment arrived",
  out_of_stock: "Paid, but out of stock",
  mail_failed: "A mail to the shopper could not be sent",
  refund_unanswered: "A refund PayRam has not answered",
  refund_stopped: "A refund the shop no longer sends by itself",
  refund_paid_after_end: "PayRam paid a refund the shop had ended",
};

/** An attention item was just raised (inserted, not found): the merchant hears of it once. */
export async function mailAttention(trx: Kysely<Database>, item: { id: number; order_id: string; kind: AttentionKind; detail: string }): Promise<void> {
  const what = MAILED_ATTENTION[item.kind];
  if (!what) return;
  const order = await trx.selectFrom("orders").select("number").where("id", "=", item.order_id).executeTakeFirst();
  await queueMail(trx, {
    key: `attention:${item.id}`,
    to: MERCHANT,
    orderId: item.order_id,
    payload: { kind: "merchant_attention", orderNumber: order?.number ?? null, what, detail: item.detail },
  });
}

/**
 * Webhook deliveries refused (failed authentication, malformed) in bursts: one mail per hour at
 * most, from the sweep, when at least `threshold` were refused in the last 15 minutes.
 */
export async function mailRefusedWebhooks(trx: Kysely<Database>, threshold = 20, now = Date.now()): Promise<boolean> {
  const since = new Date(now - 15 * 60_000).toISOString();
  const refused = await trx
    .selectFrom("webhook_deliveries")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("verdict", "=", "rejected")
    .where("received_at", ">=", since)
    .executeTakeFirstOrThrow();
  const count = Number(refused.n);
  if (count < threshold) return false;
  // At most one an hour, counted from the last one (not per clock hour: 06:59 and 07:00 would
  // make two); the clock hour in the key keeps two instances' sweeps from queueing one each.
  const lastHour = await trx
    .selectFrom("outbox")
    .select("key")
    .where("key", "like", "webhook_refusals:%")
    .where("created_at", ">", new Date(now - 3_600_000).toISOString())
    .executeTakeFirst();
  if (lastHour) return false;
  const hour = new Date(Math.floor(now / 3_600_000) * 3_600_000).toISOString();
  return queueMail(trx, {
    key: `webhook_refusals:${hour}`,
    to: MERCHANT,
    orderId: null,
    payload: {
      kind: "merchant_attention",
      orderNumber: null,
      what: "Webhook deliveries refused",
      detail: `${count} webhook deliveries were refused in the last 15 minutes (failed authentication or malformed). If they are PayRam's, its API key or webhook settings changed; if not, someone is probing the shop.`,
    },
  });
}
