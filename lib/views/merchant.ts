import type { Db } from "../db";
import { capsReached, needsAttention } from "../notify/attention";
import { orderMails, unsentMailCount } from "../notify/outbox";
import { orderIdSchema } from "../orders";
import { orderRefunds } from "../refunds";
import { findRefundAddress } from "../refunds/address";
import { listOrders, orderDetail, orderSummary, type OrderFilter } from "./admin-orders";

/** The merchant's pages, each read in one call: what the page shows and nothing it does not. */

/** The order list: a page of rows, the counts by state, and (mail off) how many mails wait in the outbox. */
export async function ordersPage(db: Db, filter: OrderFilter, { mailOff }: { mailOff: boolean }) {
  const [{ rows, total }, summary] = await Promise.all([listOrders(db, filter), orderSummary(db)]);
  const waitingMail = mailOff ? await unsentMailCount(db) : 0;
  return { rows, total, summary, mailOff, waitingMail };
}

/** One order: its detail (lines, payments, timeline, attention, fulfilment), refunds, the shopper's refund address and its mails. Null: no such order. */
export async function merchantOrderPage(db: Db, orderId: string) {
  const detail = orderIdSchema.safeParse(orderId).success ? await orderDetail(db, orderId) : null;
  if (!detail) return null;
  const [refunds, shopperAddress, mails] = await Promise.all([orderRefunds(db, detail.order.id), findRefundAddress(db, detail.order.id), orderMails(db, detail.order.id)]);
  return { ...detail, refunds, shopperAddress, mails };
}

/** What needs the merchant: open items, refused webhook deliveries, and the caps reached in the last day. */
export async function attentionPage(db: Db, options: { partialAfterMinutes: number }) {
  const { items, rejectedDeliveries } = await needsAttention(db, options);
  const caps = await capsReached(db);
  return { items, rejectedDeliveries, caps };
}
