import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Db } from "../db";
import { describeShortfall, reserveStock, type ShortLine } from "../catalog/stock";
import { nowIso, type Order, type OrderItem } from "../db/schema";

/** The secret order id: 128 random bits, the status page's URL. Never sent to PayRam. */
export const orderIdSchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/);

export function newOrderId(): string {
  return randomBytes(16).toString("base64url");
}

export interface ShippingAddress {
  name: string;
  line1: string;
  line2: string | null;
  city: string;
  region: string | null;
  postalCode: string;
  country: string;
}

export interface NewOrderLine {
  productId: number;
  slug: string;
  name: string;
  unitPriceCents: number;
  quantity: number;
  lineTotalCents: number;
  ships: boolean;
}

export interface NewOrderInput {
  checkoutToken: string;
  /** The cart it is made from, and the cart's digest (lib/checkout/token.ts). */
  cart: { id: string; digest: string };
  email: string;
  shipping: ShippingAddress | null;
  lines: NewOrderLine[];
  totalCents: number;
  /** The client placing it, as a keyed hash (null: not known): its unpaid orders share a stock cap. */
  clientKey?: string | null;
  /** The shopper's language (lib/i18n/locales.ts): the order's mails and pages speak it. English when absent. */
  locale?: string;
}

/** Thrown by createOrder when the stock is not there (nothing was written): the shopper is told what is left. */
export class OutOfStock extends Error {
  constructor(readonly short: readonly ShortLine[]) {
    super(`${describeShortfall(short)} Your cart is saved: please change it and pay again.`);
  }
}

/** Thrown by createOrder when another checkout of the same cart made its order first. */
export class CartAlreadyOrdered extends Error {
  constructor() {
    super("this cart's order was made by another request");
  }
}

/**
 * Records an order with its item snapshots and the next human order number, ties it to its cart
 * and reserves its stock, in one transaction. A cart holds one order per digest: if another
 * checkout of the same cart contents got there first, nothing is written and CartAlreadyOrdered
 * is thrown; if the stock is not there, nothing is written and OutOfStock is thrown.
 */
export async function createOrder(db: Db, input: NewOrderInput): Promise<Order> {
  return db.transaction().execute(async (trx) => {
    const { value: number } = await trx
      .updateTable("counters")
      .set((eb) => ({ value: eb("value", "+", 1) }))
      .where("name", "=", "order_number")
      .returning("value")
      .executeTakeFirstOrThrow();
    const now = nowIso();
    const order = await trx
      .insertInto("orders")
      .values({
        id: newOrderId(),
        number,
        checkout_token: input.checkoutToken,
        email: input.email,
        shipping_name: input.shipping?.name ?? null,
        shipping_line1: input.shipping?.line1 ?? null,
        shipping_line2: input.shipping?.line2 ?? null,
        shipping_city: input.shipping?.city ?? null,
        shipping_region: input.shipping?.region ?? null,
        shipping_postal_code: input.shipping?.postalCode ?? null,
        shipping_country: input.shipping?.country ?? null,
        total_cents: input.totalCents,
        currency: "USD",
        created_at: now,
        updated_at: now,
        paid_at: null,
        cancelled_at: null,
        mails: 1,
        client_key: input.clientKey ?? null,
        locale: input.locale ?? "en",
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("order_items")
      .values(
        input.lines.map((line, index) => ({
          order_id: order.id,
          position: index + 1,
          product_id: line.productId,
          product_slug: line.slug,
          name: line.name,
          unit_price_cents: line.unitPriceCents,
          quantity: line.quantity,
          line_total_cents: line.lineTotalCents,
          ships: line.ships ? (1 as const) : (0 as const),
        })),
      )
      .execute();
    // On Postgres the row lock makes a concurrent checkout of this cart wait here, then see our
    // link and match nothing; SQLite runs one writing transaction at a time.
    const tied = await trx
      .updateTable("carts")
      .set({ order_id: order.id, order_digest: input.cart.digest })
      .where("id", "=", input.cart.id)
      .where((eb) => eb.or([eb("order_id", "is", null), eb("order_digest", "is", null), eb("order_digest", "!=", input.cart.digest)]))
      .executeTakeFirst();
    if (Number(tied.numUpdatedRows) === 0) throw new CartAlreadyOrdered();
    const short = await reserveStock(trx, order.id, input.lines, now, { email: input.email, clientKey: input.clientKey ?? null });
    if (short.length > 0) throw new OutOfStock(short);
    return order;
  });
}

export async function findOrder(db: Db, orderId: string): Promise<Order | null> {
  if (!orderIdSchema.safeParse(orderId).success) return null;
  return (await db.selectFrom("orders").selectAll().where("id", "=", orderId).executeTakeFirst()) ?? null;
}

/** The order a checkout of this cart made from the contents with this digest, if any. */
export async function findCartOrder(db: Db, cartId: string, digest: string): Promise<Order | null> {
  return (
    (await db
      .selectFrom("carts")
      .innerJoin("orders", "orders.id", "carts.order_id")
      .selectAll("orders")
      .where("carts.id", "=", cartId)
      .where("carts.order_digest", "=", digest)
      .executeTakeFirst()) ?? null
  );
}

export async function findOrderByCheckoutToken(db: Db, token: string): Promise<Order | null> {
  return (await db.selectFrom("orders").selectAll().where("checkout_token", "=", token).executeTakeFirst()) ?? null;
}

export async function listOrderItems(db: Db, orderId: string): Promise<OrderItem[]> {
  return db.selectFrom("order_items").selectAll().where("order_id", "=", orderId).orderBy("position").execute();
}
