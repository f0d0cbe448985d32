import { heldStock, releaseStock } from "../catalog/stock";
import { orderChanged } from "../db/changes";
import { isPostgres, type Db } from "../db";
import { nowIso } from "../db/schema";
import { log } from "../log";
import { refreshOrderPayment } from "../payments/attempts";
import { LEDGER_COLUMNS, verdictOf } from "../payments/ledger";
import { isOpen } from "../rules/states";

export type CancelResult = { ok: true; message: string } | { ok: false; error: string };

/**
 * The merchant cancels an order: no payment may be opened for it again, its stock is released
 * (refreshOrderPayment), and a paid order is no longer kept, so all it received becomes
 * refundable (lib/refunds). PayRam has no cancel call, so an order with a payment still open there
 * cannot be cancelled — money could still arrive — only left to expire. Cancelling twice changes
 * nothing.
 */
export async function cancelOrder(db: Db, orderId: string): Promise<CancelResult> {
  return db.transaction().execute(async (trx): Promise<CancelResult> => {
    const order = await lockOrder(db, trx, orderId);
    if (!order) return { ok: false, error: "Unknown order." };
    if (order.cancelled_at !== null) return { ok: true, message: "This order was already cancelled." };
    const attempts = await trx.selectFrom("payment_attempts").select(["attempt_number", "expires_at", ...LEDGER_COLUMNS]).where("order_id", "=", orderId).execute();
    const open = attempts.find((attempt) => isOpen(attempt.state));
    if (open) {
      const until = open.expires_at ? ` It expires at ${open.expires_at.slice(0, 16).replace("T", " ")} UTC.` : "";
      return { ok: false, error: `A payment for this order is still open at PayRam, so money may still arrive: it cannot be cancelled, only left to expire.${until}` };
    }
    // Shipped goods left the warehouse: cancelling would put them back on sale.
    const shipped = await trx.selectFrom("order_items").select("position").where("order_id", "=", orderId).where("shipped_at", "is not", null).executeTakeFirst();
    if (shipped) return { ok: false, error: "Lines of this order have shipped: it cannot be cancelled. Refund what is owed to the shopper instead." };
    const now = nowIso();
    await trx.updateTable("orders").set({ cancelled_at: now, updated_at: now }).where("id", "=", orderId).execute();
    await refreshOrderPayment(trx, orderId);
    log.info({ event: "order_cancelled", order: order.number, paid: order.paid_at !== null }, "the merchant cancelled an order");
    const received = verdictOf(order, attempts).receivedCents;
    return {
      ok: true,
      message:
        received > 0
          ? `Cancelled. ${order.paid_at !== null ? "It was paid" : "Part of the payment had arrived"}: refund the shopper below. Its stock is back on sale.`
          : "Cancelled. Its stock is back on sale.",
    };
  });
}

/**
 * The merchant releases an unpaid order's stock while its payment is still open at PayRam (issue
 * 29.2: a hoarder's open payment kept the pieces from everyone; PayRam has no cancel call, so the
 * order cannot be cancelled yet). The order stays payable: the open payment or a deposit no longer
 * takes the stock again (`stock_released_at`, lib/payments/attempts.ts keepStockInStep); money that
 * pays the order does, and if the stock is gone by then the order is flagged "paid, but out of
 * stock" and the merchant can cancel it, making what arrived refundable. Releasing twice changes
 * nothing.
 */
export async function releaseOrderStock(db: Db, orderId: string): Promise<CancelResult> {
  return db.transaction().execute(async (trx): Promise<CancelResult> => {
    const order = await lockOrder(db, trx, orderId);
    if (!order) return { ok: false, error: "Unknown order." };
    if (order.cancelled_at !== null) return { ok: true, message: "This order was cancelled: its stock is already back on sale." };
    if (order.paid_at !== null) return { ok: false, error: "This order is paid: its stock is kept for it. Cancel the order to put it back on sale." };
    // What it holds decides, not stock_released_at: "Pay again" after its payment ended holds again, through the caps.
    if (!(await heldStock(trx, orderId)).holding) return { ok: true, message: order.stock_released_at !== null ? "Its stock was already released." : "This order holds no stock." };
    const now = nowIso();
    await trx.updateTable("orders").set({ stock_released_at: now, updated_at: now }).where("id", "=", orderId).execute();
    const pieces = await releaseStock(trx, orderId, now);
    log.info({ event: "order_stock_released", order: order.number, pieces }, "the merchant released an unpaid order's stock");
    // The shopper's open page follows after the commit.
    await orderChanged(trx, orderId);
    return { ok: true, message: "Its stock is back on sale. The order can still be paid: money that arrives when the stock is gone is flagged as paid, but out of stock." };
  });
}

/** The order's row, locked until the transaction ends (Postgres; SQLite runs one writer anyway). */
function lockOrder(db: Db, trx: Db, orderId: string) {
  return trx
    .selectFrom("orders")
    .select(["number", "paid_at", "cancelled_at", "total_cents", "stock_released_at"])
    .where("id", "=", orderId)
    .$if(isPostgres(db), (qb) => qb.forUpdate())
    .executeTakeFirst();
}
