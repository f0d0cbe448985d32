import { createHash } from "node:crypto";
import type { Db } from "../db";
import type { Order, PaymentAttempt } from "../db/schema";
import { isOpen } from "../rules/states";
import { IN_FLIGHT } from "../rules/refund-life";
import { refundableCents } from "../rules/refundable";
import { asksForRefundAddress } from "../refunds/address";

/**
 * What an order's status page shows beyond its payment, and which changes later: lines shipped,
 * refunds and their steps, the question "Where should we send your refund?" and its answer.
 */
export interface OrderProgress {
  /** Changes whenever any of it changes: the open page then reloads its server-rendered parts. */
  revision: string;
  /** More of it is still to come (lines to ship, a refund owed or under way): the page keeps listening after the payment settled. */
  awaiting: boolean;
  /**
   * What became of its items (ShopperFacts.stock): "released" when the merchant put an unpaid order's
   * items back on sale and it holds none now (a later "Pay again" holds them again); "soldOut" when it
   * was paid after they sold out (the merchant's unresolved "paid, but out of stock" item).
   */
  stock: "released" | "soldOut" | null;
}

/** The most orders one read asks about (bound parameters are limited). */
const CHUNK = 500;

/** The progress of each order (with its payment attempts): three queries per 500 orders. */
export async function orderProgress(db: Db, orders: readonly { order: Order; attempts: readonly PaymentAttempt[] }[]): Promise<Map<string, OrderProgress>> {
  const found = new Map<string, OrderProgress>();
  for (let start = 0; start < orders.length; start += CHUNK) await readChunk(db, orders.slice(start, start + CHUNK), found);
  return found;
}

async function readChunk(db: Db, orders: readonly { order: Order; attempts: readonly PaymentAttempt[] }[], found: Map<string, OrderProgress>) {
  const ids = orders.map(({ order }) => order.id);
  const [items, refunds, addresses, soldOut, holding] = await Promise.all([
    db.selectFrom("order_items").select(["order_id", "position", "ships", "shipped_at"]).where("order_id", "in", ids).orderBy("position").execute(),
    db.selectFrom("refunds").select(["order_id", "id", "amount_cents", "status", "tx_hash"]).where("order_id", "in", ids).orderBy("created_at").orderBy("id").execute(),
    db.selectFrom("refund_addresses").select(["order_id", "created_at", "confirmed_at", "frozen_at", "pending_created_at"]).where("order_id", "in", ids).execute(),
    db.selectFrom("attention_items").select("order_id").where("order_id", "in", ids).where("kind", "=", "out_of_stock").where("resolved_at", "is", null).execute(),
    db.selectFrom("stock_reservations").select("order_id").where("order_id", "in", ids).where("released_at", "is", null).execute(),
  ]);
  for (const { order, attempts } of orders) {
    const lines = items.filter((item) => item.order_id === order.id);
    const own = refunds.filter((refund) => refund.order_id === order.id);
    const address = addresses.find((row) => row.order_id === order.id);
    const asks = asksForRefundAddress(order, own, attempts.some((attempt) => isOpen(attempt.state)), address);
    const toShip = order.paid_at !== null && order.cancelled_at === null && lines.some((line) => line.ships === 1 && line.shipped_at === null);
    const shown = [
      lines.map((line) => `${line.position}:${line.shipped_at ?? ""}`).join(","),
      own.map((refund) => `${refund.id}:${refund.status}:${refund.tx_hash ?? ""}`).join(","),
      asks,
      address ? `${address.created_at}:${address.confirmed_at ?? ""}:${address.frozen_at ?? ""}:${address.pending_created_at ?? ""}` : "",
    ].join("|");
    found.set(order.id, {
      // Hashed: the stream carries nothing the page does not show.
      revision: createHash("sha256").update(shown).digest("base64url").slice(0, 16),
      // Money owed back counts even with no question to ask (a frozen address, a failed payout): the merchant's next refund shows.
      awaiting: toShip || asks || refundableCents(order, own) > 0 || own.some((refund) => IN_FLIGHT.includes(refund.status)),
      stock: stockFact(order, soldOut.some((item) => item.order_id === order.id), holding.some((row) => row.order_id === order.id)),
    });
  }
}

function stockFact(order: Order, flaggedSoldOut: boolean, holding: boolean): OrderProgress["stock"] {
  if (order.paid_at !== null) return flaggedSoldOut && order.cancelled_at === null ? "soldOut" : null;
  return order.stock_released_at !== null && order.cancelled_at === null && !holding ? "released" : null;
}
