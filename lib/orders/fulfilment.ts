import { isPostgres, type Db } from "../db";
import { nowIso } from "../db/schema";
import { orderChanged } from "../db/changes";
import { queueMail } from "../notify/outbox";
import type { Shipment } from "../rules/ship-form";

/**
 * Physical lines, shipped by the merchant line by line (a cart can mix goods, and a parcel may
 * hold only part of an order). Each submission is one shipment: one carrier and tracking number
 * for the lines it names, and one "shipped" mail.
 */

export type MarkShippedResult = { ok: true; shipped: number[]; alreadyShipped: number[]; mailed: boolean } | { ok: false; error: string };

/**
 * Marks these physical lines of a paid order shipped, in one transaction: each line once (a line
 * already shipped is left as it was, whoever shipped it), and one "shipped" mail for the lines
 * this call shipped. Refuses an unpaid or cancelled order, and lines that are not physical lines
 * of the order.
 */
export async function markShipped(db: Db, orderId: string, positions: readonly number[], shipment: Shipment): Promise<MarkShippedResult> {
  const wanted = [...new Set(positions)].sort((a, b) => a - b);
  if (wanted.length === 0) return { ok: false, error: "Choose at least one line to mark shipped." };
  return db.transaction().execute(async (trx): Promise<MarkShippedResult> => {
    // Locked: a cancel of this order (which locks it too) comes before or after, never between.
    const order = await trx
      .selectFrom("orders")
      .select(["id", "number", "email", "paid_at", "cancelled_at", "mails"])
      .where("id", "=", orderId)
      .$if(isPostgres(db), (qb) => qb.forUpdate())
      .executeTakeFirst();
    if (!order) return { ok: false, error: "Unknown order." };
    if (order.cancelled_at !== null) return { ok: false, error: "This order was cancelled: nothing can be shipped." };
    if (order.paid_at === null) return { ok: false, error: "This order is not paid yet: ship it once it is paid." };

    const lines = await trx.selectFrom("order_items").select(["position", "ships", "shipped_at"]).where("order_id", "=", orderId).where("position", "in", wanted).execute();
    const physical = new Set(lines.filter((line) => line.ships === 1).map((line) => line.position));
    const notPhysical = wanted.filter((position) => !physical.has(position));
    if (notPhysical.length > 0) return { ok: false, error: `Line ${notPhysical.join(", ")} is not a physical line of this order.` };

    // The condition on shipped_at, not the read above, decides: of two merchants shipping one
    // line at once, one ships it.
    const shipped = await trx
      .updateTable("order_items")
      .set({ shipped_at: nowIso(), carrier: shipment.carrier, tracking_number: shipment.trackingNumber, tracking_url: shipment.trackingUrl })
      .where("order_id", "=", orderId)
      .where("position", "in", wanted)
      .where("ships", "=", 1)
      .where("shipped_at", "is", null)
      .returning(["position", "name", "quantity"])
      .execute();
    shipped.sort((a, b) => a.position - b.position);
    const shippedPositions = shipped.map((line) => line.position);
    const alreadyShipped = wanted.filter((position) => !shippedPositions.includes(position));
    if (shipped.length === 0) return { ok: false, error: alreadyShipped.length === 1 ? "That line is already shipped." : "Those lines are already shipped." };

    let mailed = false;
    if (order.mails === 1) {
      mailed = await queueMail(trx, {
        key: `shipped:${orderId}:${shippedPositions.join(",")}`,
        to: order.email,
        orderId,
        payload: {
          kind: "shipped",
          orderNumber: order.number,
          orderId,
          lines: shipped.map((line) => ({ name: line.name, quantity: line.quantity })),
          carrier: shipment.carrier,
          trackingNumber: shipment.trackingNumber,
          trackingUrl: shipment.trackingUrl,
        },
      });
    }
    await orderChanged(trx, orderId);
    return { ok: true, shipped: shippedPositions, alreadyShipped, mailed };
  });
}

/** In words, for the merchant. */
export function describeShipped(result: Extract<MarkShippedResult, { ok: true }>): string {
  const lines = (positions: number[]) => `${positions.length === 1 ? "line" : "lines"} ${positions.join(", ")}`;
  const already = result.alreadyShipped;
  return [
    `Marked ${lines(result.shipped)} shipped.`,
    already.length > 0 ? `Already shipped before: ${lines(already)}.` : "",
    result.mailed ? "The shopper will get an email." : "",
  ]
    .filter(Boolean)
    .join(" ");
}
