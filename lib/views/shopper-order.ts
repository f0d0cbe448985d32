import type { Db } from "../db";
import { findOrder, listOrderItems } from "../orders";
import { orderAttempts } from "../payments/attempts";
import { orderRefunds } from "../refunds";
import { asksForRefundAddress, findRefundAddress, pendingAnswer } from "../refunds/address";
import { isOpen } from "../rules/states";
import { currentAttempt, statusView, syncUnderWay } from "./status";

/**
 * The shopper's order page: the order and its lines, the status view (from the database, no wait
 * on PayRam; "checking" while a poll's sync is under way), the refunds the shopper is shown (not
 * the ones the shop refused), the refund address on file and whether to ask for one. Null: no
 * such order.
 */
export async function shopperOrderPage(db: Db, orderId: string) {
  const order = await findOrder(db, orderId);
  if (!order) return null;
  const [items, attempts, refunds, refundAddress] = await Promise.all([listOrderItems(db, order.id), orderAttempts(db, order.id), orderRefunds(db, order.id), findRefundAddress(db, order.id)]);
  const asksForAddress = asksForRefundAddress(order, refunds, attempts.some((attempt) => isOpen(attempt.state)), refundAddress);
  const view = await statusView(db, order, attempts, syncUnderWay(db, currentAttempt(attempts)));
  return { order, items, view, refundAddress, asksForAddress, refunds: refunds.filter((refund) => refund.status !== "refused") };
}

/**
 * The page the mailed confirmation link opens: the order and the refund address the link
 * confirms — the newest answer, the one waiting if any (null: none). Null: no such order.
 */
export async function refundAddressPage(db: Db, orderId: string) {
  const order = await findOrder(db, orderId);
  if (!order) return null;
  const row = await findRefundAddress(db, order.id);
  return { order, address: pendingAnswer(row) ?? row };
}
