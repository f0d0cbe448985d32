import type { Kysely } from "kysely";
import { inWords } from "../i18n/messages";
import { said, type Said } from "../i18n/said";
import type { Database } from "../db/schema";
import { UNPAID_HOLD_ORDERS } from "../rules/catalog";

/**
 * Stock is held per order, not per payment attempt: the checkout reserves it in the transaction
 * that records the order, and it is released once the order can no longer be paid with what it
 * holds (lib/payments/attempts.ts refreshOrderPayment decides, in every transaction that changes a
 * payment). `products.stock` is what can still be sold; each reservation row is released once.
 */

export interface StockLine {
  productId: number;
  quantity: number;
}

/** A product that could not be reserved: what is left of it, or the cap that refused it. */
export interface ShortLine {
  productId: number;
  name: string;
  available: number;
  /**
   * Refused by a cap rather than by the stock: `order`, the product's per-order maximum (`most`);
   * `shopper`, what unpaid orders of the same client or email already hold (`held`) against
   * `most` (UNPAID_HOLD_ORDERS per-order maximums).
   */
  cap?: { kind: "order" | "shopper"; most: number; held: number };
}

/** Who is reserving: unpaid orders of the same email or client count against one cap. */
export interface Reserver {
  email: string;
  /** null: the client is not known (a script, a test): the email alone counts. */
  clientKey: string | null;
}

/**
 * Takes the lines' quantities off their products' stock (tracked products only) and records the
 * reservation, all or nothing: a conditional decrement, never below zero whatever runs alongside
 * (Postgres re-checks the condition after waiting for another transaction's row lock). Products
 * are taken in id order, so two checkouts never wait on each other crosswise. On a shortfall what
 * this call took is given back and the short lines are returned.
 *
 * With a `reserver` (a checkout, "Pay again") the caps apply too: at most the product's
 * `max_per_order` in this order, and at most UNPAID_HOLD_ORDERS times that held at once by the
 * unpaid orders of the same email or client. The second is counted after the product's row is
 * taken (locked until commit on Postgres), so two checkouts of one client cannot both slip under
 * it. Money arriving (a late payment) reserves without them: that order is being paid.
 */
export async function reserveStock(trx: Kysely<Database>, orderId: string, lines: readonly StockLine[], now: string, reserver?: Reserver): Promise<ShortLine[]> {
  const wanted = new Map<number, number>();
  for (const line of lines) wanted.set(line.productId, (wanted.get(line.productId) ?? 0) + line.quantity);
  const taken: StockLine[] = [];
  const short: ShortLine[] = [];
  for (const [productId, quantity] of [...wanted].sort(([a], [b]) => a - b)) {
    if (reserver) {
      const product = await trx.selectFrom("products").select(["name", "stock", "max_per_order"]).where("id", "=", productId).executeTakeFirst();
      if (product && product.stock !== null && quantity > product.max_per_order) {
        short.push({ productId, name: product.name, available: product.stock, cap: { kind: "order", most: product.max_per_order, held: 0 } });
        continue;
      }
    }
    const took = await trx
      .updateTable("products")
      .set((eb) => ({ stock: eb("stock", "-", quantity) }))
      .where("id", "=", productId)
      .where("stock", "is not", null)
      .where("stock", ">=", quantity)
      .executeTakeFirst();
    if (Number(took.numUpdatedRows) > 0) {
      taken.push({ productId, quantity });
      const over = reserver ? await overShopperCap(trx, orderId, productId, quantity, reserver) : null;
      if (over) short.push(over);
      continue;
    }
    const product = await trx.selectFrom("products").select(["name", "stock"]).where("id", "=", productId).executeTakeFirst();
    // Not tracked: nothing to hold.
    if (product && product.stock !== null) short.push({ productId, name: product.name, available: product.stock });
  }
  if (short.length > 0) {
    await giveBack(trx, taken);
    return short;
  }
  if (taken.length > 0) {
    await trx
      .insertInto("stock_reservations")
      .values(taken.map((line) => ({ order_id: orderId, product_id: line.productId, quantity: line.quantity, created_at: now, released_at: null })))
      .execute();
  }
  return [];
}

/** Releases what an order holds, once (released_at): the stock goes back. Returns the pieces released. */
export async function releaseStock(trx: Kysely<Database>, orderId: string, now: string): Promise<number> {
  const released = await trx
    .updateTable("stock_reservations")
    .set({ released_at: now })
    .where("order_id", "=", orderId)
    .where("released_at", "is", null)
    .returning(["product_id", "quantity"])
    .execute();
  await giveBack(
    trx,
    released.map((row) => ({ productId: row.product_id, quantity: row.quantity })),
  );
  return released.reduce((sum, row) => sum + row.quantity, 0);
}

/** The shopper cap's refusal if the reserver's other unpaid orders, with `quantity` more, would hold too much of a product. */
async function overShopperCap(trx: Kysely<Database>, orderId: string, productId: number, quantity: number, reserver: Reserver): Promise<ShortLine | null> {
  const product = await trx.selectFrom("products").select(["name", "stock", "max_per_order"]).where("id", "=", productId).executeTakeFirstOrThrow();
  const most = UNPAID_HOLD_ORDERS * product.max_per_order;
  const email = reserver.email.trim().toLowerCase();
  const row = await trx
    .selectFrom("stock_reservations")
    .innerJoin("orders", "orders.id", "stock_reservations.order_id")
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>("stock_reservations.quantity"), eb.lit(0)).as("held"))
    .where("stock_reservations.product_id", "=", productId)
    .where("stock_reservations.released_at", "is", null)
    .where("stock_reservations.order_id", "!=", orderId)
    .where("orders.paid_at", "is", null)
    .where("orders.cancelled_at", "is", null)
    .where((eb) => {
      const sameEmail = eb(eb.fn("lower", ["orders.email"]), "=", email);
      return reserver.clientKey === null ? sameEmail : eb.or([sameEmail, eb("orders.client_key", "=", reserver.clientKey)]);
    })
    .executeTakeFirst();
  const held = Number(row?.held ?? 0);
  if (held + quantity <= most) return null;
  // What is left for everyone else, as the shopper would see it once this call gives its pieces back.
  return { productId, name: product.name, available: (product.stock ?? 0) + quantity, cap: { kind: "shopper", most, held } };
}

async function giveBack(trx: Kysely<Database>, lines: readonly StockLine[]) {
  for (const line of [...lines].sort((a, b) => a.productId - b.productId)) {
    // A product the merchant stopped tracking meanwhile stays untracked.
    await trx
      .updateTable("products")
      .set((eb) => ({ stock: eb("stock", "+", line.quantity) }))
      .where("id", "=", line.productId)
      .where("stock", "is not", null)
      .execute();
  }
}

/**
 * How long an order may hold stock in all, counted from its first reservation (issue 29.2): a
 * payment opened by "Pay again" expires at its end at the latest, and past it "Pay again" is
 * refused, so an unpaid order cannot keep its pieces by renewing its payment. A new order starts
 * a new one, through the caps.
 */
export const RESERVATION_LIFETIME_MS = 2 * 60 * 60_000;

/** When the order's reservation lifetime ends (ms since the epoch), or null if it never held stock. */
export async function reservationEndsAt(trx: Kysely<Database>, orderId: string): Promise<number | null> {
  const row = await trx.selectFrom("stock_reservations").select((eb) => eb.fn.min("created_at").as("first")).where("order_id", "=", orderId).executeTakeFirst();
  return row?.first ? Date.parse(String(row.first)) + RESERVATION_LIFETIME_MS : null;
}

/** What an order holds now, and whether it ever held anything (an order of untracked products never did). */
export async function heldStock(trx: Kysely<Database>, orderId: string): Promise<{ holding: boolean; everHeld: boolean }> {
  const rows = await trx.selectFrom("stock_reservations").select("released_at").where("order_id", "=", orderId).execute();
  return { holding: rows.some((row) => row.released_at === null), everHeld: rows.length > 0 };
}

/** The order's lines as stock lines (lines whose product is gone, from before 0010, hold nothing). */
export async function orderStockLines(trx: Kysely<Database>, orderId: string): Promise<StockLine[]> {
  const items = await trx.selectFrom("order_items").select(["product_id", "quantity"]).where("order_id", "=", orderId).execute();
  return items.flatMap((item) => (item.product_id === null ? [] : [{ productId: item.product_id, quantity: item.quantity }]));
}

/**
 * "Only 1 of Aurora Desk Lamp is left." / "Aurora Desk Lamp is sold out." / "You can buy at most 10
 * of Aurora Desk Lamp in one order." / "Your unpaid orders already hold 15 of Aurora Desk Lamp, and
 * at most 20 can wait for payment at once…": one message per line, for the shopper.
 */
export function shortfall(short: readonly ShortLine[]): Said[] {
  return short.map((line) => {
    if (line.cap?.kind === "order") return said("orderCap", { most: line.cap.most, name: line.name });
    if (line.cap?.kind === "shopper") {
      return said("shopperCap", { held: line.cap.held, most: line.cap.most, more: Math.max(0, line.cap.most - line.cap.held), name: line.name });
    }
    return line.available === 0 ? said("soldOut", { name: line.name }) : said("onlyLeft", { count: line.available, name: line.name });
  });
}

/** The same in English, for the merchant's records. */
export function describeShortfall(short: readonly ShortLine[]): string {
  return shortfall(short)
    .map((line) => inWords("en", line))
    .join(" ");
}

/**
 * Orders whose checkout stopped between recording the order (which reserved its stock) and
 * opening its first payment — the process was killed in between — hold their stock with nothing
 * that would ever release it: given back once older than `olderThanMs`. The order's next checkout
 * (the same cart) reserves again before it opens a payment.
 */
export async function releaseOrphanedStock(db: Kysely<Database>, olderThanMs: number, isPostgresDb: boolean): Promise<number> {
  const before = new Date(Date.now() - olderThanMs).toISOString();
  const orphans = await db
    .selectFrom("stock_reservations")
    .innerJoin("orders", "orders.id", "stock_reservations.order_id")
    .select("stock_reservations.order_id")
    .distinct()
    .where("stock_reservations.released_at", "is", null)
    .where("orders.created_at", "<", before)
    .where((eb) => eb.not(eb.exists(eb.selectFrom("payment_attempts").select("id").whereRef("payment_attempts.order_id", "=", "stock_reservations.order_id"))))
    .execute();
  let released = 0;
  for (const { order_id: orderId } of orphans) {
    released += await db.transaction().execute(async (trx) => {
      // Decided again with the order locked: a checkout may be opening its payment right now.
      await trx.selectFrom("orders").select("id").where("id", "=", orderId).$if(isPostgresDb, (qb) => qb.forUpdate()).executeTakeFirst();
      const attempt = await trx.selectFrom("payment_attempts").select("id").where("order_id", "=", orderId).executeTakeFirst();
      return attempt ? 0 : releaseStock(trx, orderId, new Date().toISOString());
    });
  }
  return released;
}
