import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Db } from "../db";
import { nowIso } from "../db/schema";
import { hitRateLimit, LIMITS, minutesToWait } from "../security/rate-limit";
import { said, type Said, type SaidKey } from "../i18n/said";

/**
 * The cart lives on the server, keyed by a random id that the shopper's browser keeps in an
 * httpOnly cookie. Prices are never stored here: every view reads them from the catalog.
 */
export const MAX_QUANTITY = 99;

export interface CartLine {
  productId: number;
  slug: string;
  name: string;
  image: string;
  unitPriceCents: number;
  quantity: number;
  lineTotalCents: number;
  ships: boolean;
  /** False once the product was archived: it cannot be bought. */
  available: boolean;
  /** Pieces that can be bought now; null: not tracked. */
  stock: number | null;
}

export interface Cart {
  id: string | null;
  lines: CartLine[];
  /** Pieces across available lines (the header's badge). */
  itemCount: number;
  subtotalCents: number;
}

/** A cart id as the cookie must hold it; anything else is treated as no cart. */
export const cartIdSchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/);

/** A quantity typed by a shopper: a whole number from 1 to 99, nothing else. */
export const quantitySchema = z
  .string()
  .trim()
  .regex(/^\d+$/, "quantityWhole" satisfies SaidKey)
  .transform(Number)
  .pipe(z.number().int().min(1, "quantityMin" satisfies SaidKey).max(MAX_QUANTITY, "quantityMax" satisfies SaidKey));

/** What a refused cart line tells the shopper: the product is not one on sale, or what is wrong with its quantity. */
export function lineProblem(error: z.ZodError): Said {
  const issue = error.issues[0];
  return issue?.path[0] === "productId" || !issue ? said("productUnavailable") : said(issue.message as SaidKey, { most: MAX_QUANTITY });
}

export type CartResult = { ok: true; cartId: string } | { ok: false; error: Said };

const EMPTY: Cart = { id: null, lines: [], itemCount: 0, subtotalCents: 0 };

export async function getCart(db: Db, cartId: string | undefined): Promise<Cart> {
  const id = cartIdSchema.safeParse(cartId);
  if (!id.success) return EMPTY;
  const exists = await db.selectFrom("carts").select("id").where("id", "=", id.data).executeTakeFirst();
  if (!exists) return EMPTY;
  const rows = await db
    .selectFrom("cart_items")
    .innerJoin("products", "products.id", "cart_items.product_id")
    .select([
      "products.id",
      "products.slug",
      "products.name",
      "products.image",
      "products.price_cents",
      "products.ships",
      "products.active",
      "products.stock",
      "cart_items.quantity",
    ])
    .where("cart_items.cart_id", "=", id.data)
    .orderBy("cart_items.added_at")
    .orderBy("products.id")
    .execute();
  const lines = rows.map((row) => ({
    productId: row.id,
    slug: row.slug,
    name: row.name,
    image: row.image,
    unitPriceCents: row.price_cents,
    quantity: row.quantity,
    lineTotalCents: row.price_cents * row.quantity,
    ships: row.ships === 1,
    available: row.active === 1,
    stock: row.stock,
  }));
  const available = lines.filter((line) => line.available);
  return {
    id: id.data,
    lines,
    itemCount: available.reduce((sum, line) => sum + line.quantity, 0),
    subtotalCents: available.reduce((sum, line) => sum + line.lineTotalCents, 0),
  };
}

/** The cart the cookie names, if it is one we issued and still keep. */
async function existingCart(db: Db, cartId: string | undefined): Promise<string | null> {
  const id = cartIdSchema.safeParse(cartId);
  if (!id.success) return null;
  const row = await db.selectFrom("carts").select("id").where("id", "=", id.data).executeTakeFirst();
  return row ? id.data : null;
}

/**
 * How many carts the shop keeps. Starting one more evicts the cart idle longest among those no
 * checkout made an order of (`order_id` empty): under a flood of new carts from ever new
 * addresses the table stays this size and every new shopper still gets a cart, at the price of
 * the oldest untouched carts. At 20 new carts per client in 10 minutes (LIMITS.newCarts), pushing
 * out a cart touched an hour ago takes 50,000 new carts in that hour: over 400 clients (IPv4
 * addresses or IPv6 /64s) at their limit. Idle carts go after CART_RETENTION_DAYS anyway.
 */
export const MAX_CARTS = 50_000;

/**
 * Adds to the cookie's cart, or starts a cart with this first item: a cart row exists only
 * once something is in it (no cookie, a forged one, or a failed add makes none). With `client`
 * (the shop's own action), starting a cart counts against the client's own limit (at `now`, ms;
 * also the new cart's time); no shop-wide cap refuses a new cart: the table is bounded by
 * eviction (`maxCarts`, MAX_CARTS) instead, so others starting carts never turn a shopper away.
 */
export async function addToCart(
  db: Db,
  cartId: string | undefined,
  productId: number,
  quantity: number,
  options: { client?: string; now?: number; maxCarts?: number } = {},
): Promise<CartResult> {
  const product = await db.selectFrom("products").select(["id", "name", "stock"]).where("id", "=", productId).where("active", "=", 1).executeTakeFirst();
  if (!product) return { ok: false, error: said("productUnavailable") };
  if (product.stock === 0) return { ok: false, error: said("soldOut", { name: product.name }) };
  const limit = Math.min(MAX_QUANTITY, product.stock ?? MAX_QUANTITY);
  const tooMany = (has: number) => ({
    ok: false as const,
    error: limit < MAX_QUANTITY ? said("onlyLeftInCart", { count: limit, name: product.name, has }) : said("atMostInCart", { most: MAX_QUANTITY, name: product.name, has }),
  });
  const known = await existingCart(db, cartId);
  if (!known) {
    if (quantity > limit) return tooMany(0);
    if (options.client !== undefined) {
      const verdict = await hitRateLimit(db, LIMITS.newCarts, options.client, options.now);
      if (!verdict.allowed) return { ok: false, error: said("newCartsRateLimited", { minutes: minutesToWait(verdict) }) };
    }
  }
  const id = known ?? randomBytes(16).toString("base64url");
  return db.transaction().execute(async (trx): Promise<CartResult> => {
    const existing = known
      ? await trx.selectFrom("cart_items").select("quantity").where("cart_id", "=", id).where("product_id", "=", productId).executeTakeFirst()
      : undefined;
    const total = (existing?.quantity ?? 0) + quantity;
    if (total > limit) return tooMany(existing?.quantity ?? 0);
    const now = options.now === undefined ? nowIso() : new Date(options.now).toISOString();
    if (!known) {
      await trx.insertInto("carts").values({ id, created_at: now, updated_at: now }).execute();
      await evictOldestCarts(trx, options.maxCarts ?? MAX_CARTS);
    }
    if (!existing) {
      // The first item after the cart was emptied (by its checkout, or by hand) starts a new
      // purchase: the order made from the cart's old contents is no longer this cart's.
      await trx
        .updateTable("carts")
        .set({ order_id: null, order_digest: null })
        .where("id", "=", id)
        .where((eb) => eb.not(eb.exists(eb.selectFrom("cart_items").select("product_id").where("cart_id", "=", id))))
        .execute();
    }
    await trx
      .insertInto("cart_items")
      .values({ cart_id: id, product_id: productId, quantity: total, added_at: now })
      .onConflict((oc) => oc.columns(["cart_id", "product_id"]).doUpdateSet({ quantity: total }))
      .execute();
    await trx.updateTable("carts").set({ updated_at: now }).where("id", "=", id).execute();
    return { ok: true, cartId: id };
  });
}

/**
 * Keeps at most `max` carts that no checkout made an order of: deletes those past the `max` most
 * recently touched, with their items (cascade). Carts a checkout made an order of are not
 * counted or evicted: orders bound them, and retention takes them.
 */
async function evictOldestCarts(db: Db, max: number): Promise<void> {
  const edge = await db
    .selectFrom("carts")
    .select(["updated_at", "id"])
    .where("order_id", "is", null)
    .orderBy("updated_at", "desc").orderBy("id", "desc").limit(1).offset(max).executeTakeFirst();
  if (!edge) return;
  await db
    .deleteFrom("carts")
    .where("order_id", "is", null)
    .where((eb) => eb.or([eb("updated_at", "<", edge.updated_at), eb.and([eb("updated_at", "=", edge.updated_at), eb("id", "<=", edge.id)])]))
    .execute();
}

/**
 * Sets a line's quantity, up to what is in stock. A line that is no longer in the cart (another
 * tab removed it) is an error, not a re-add.
 */
export async function setQuantity(db: Db, cartId: string | undefined, productId: number, quantity: number): Promise<CartResult> {
  const id = cartIdSchema.safeParse(cartId);
  if (!id.success) return { ok: false, error: said("cartEmpty") };
  const product = await db.selectFrom("products").select(["name", "stock"]).where("id", "=", productId).executeTakeFirst();
  if (product?.stock === 0) return { ok: false, error: said("soldOutRemove", { name: product.name }) };
  if (product && product.stock !== null && quantity > product.stock) {
    return { ok: false, error: said("onlyLeft", { count: product.stock, name: product.name }) };
  }
  const result = await db
    .updateTable("cart_items")
    .set({ quantity })
    .where("cart_id", "=", id.data)
    .where("product_id", "=", productId)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return { ok: false, error: said("notInCart") };
  return { ok: true, cartId: id.data };
}

export async function removeFromCart(db: Db, cartId: string | undefined, productId: number): Promise<void> {
  const id = cartIdSchema.safeParse(cartId);
  if (!id.success) return;
  await db.deleteFrom("cart_items").where("cart_id", "=", id.data).where("product_id", "=", productId).execute();
}

export async function clearCart(db: Db, cartId: string): Promise<void> {
  await db.deleteFrom("cart_items").where("cart_id", "=", cartId).execute();
}
