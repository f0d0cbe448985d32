import { createHash } from "node:crypto";
import { z } from "zod";
import type { Db } from "../db";
import { nowIso, type Product } from "../db/schema";
import { CATALOG, type CatalogProduct, type ProductBasics } from "./products";

export type { CatalogProduct, ProductBasics };

/** A product slug as it may arrive from a URL or a form. */
export const slugSchema = z.string().regex(/^[a-z0-9-]{1,80}$/);

/** A product id as it may arrive from a form. */
export const productIdSchema = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** What pages and pricing see of a product. */
export interface ProductView extends ProductBasics {
  id: number;
  /** False once archived. */
  active: boolean;
  /** Pieces that can be bought now; null: not tracked (no limit but MAX_QUANTITY). */
  stock: number | null;
}

export function toProductView(row: Product): ProductView {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    priceCents: row.price_cents,
    image: row.image,
    ships: row.ships === 1,
    active: row.active === 1,
    stock: row.stock,
  };
}

/**
 * Writes the demo catalog into an empty products table: the first start of a new database. Never
 * again: from then on the catalog is the merchant's (a restart must not undo an edit). True if it
 * seeded.
 */
export async function seedCatalog(db: Db, catalog: readonly CatalogProduct[] = CATALOG): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    // Once per database, remembered: a merchant who deleted every demo product does not get them back.
    const marked = await trx.insertInto("counters").values({ name: "catalog_seeded", value: 1 }).onConflict((oc) => oc.column("name").doNothing()).executeTakeFirst();
    if (Number(marked.numInsertedOrUpdatedRows ?? 0) === 0) return false;
    // A database from before the mark: its catalog is the merchant's.
    const any = await trx.selectFrom("products").select("id").limit(1).executeTakeFirst();
    if (any) return false;
    const now = nowIso();
    // One at a time, in the catalog's order: ids follow it, and the shop lists products by id.
    for (const product of catalog) {
      const download = product.download ? await seedDownload(trx, product.download) : null;
      await trx
        .insertInto("products")
        .values({
          slug: product.slug,
          name: product.name,
          description: product.description,
          price_cents: product.priceCents,
          image: product.image,
          ships: product.ships ? 1 : 0,
          stock: product.stock ?? null,
          download_sha256: download?.sha256 ?? null,
          download_name: download?.name ?? null,
          created_at: now,
          updated_at: now,
        })
        // Two instances starting on one new database: the other one seeded it.
        .onConflict((oc) => oc.column("slug").doNothing())
        .execute();
    }
    return true;
  });
}

/** A demo product's download file (issue 20: fulfilment), stored once per content like the merchant's uploads. */
async function seedDownload(db: Db, file: { name: string; text: string }): Promise<{ sha256: string; name: string }> {
  const bytes = Buffer.from(file.text, "utf8");
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  await db
    .insertInto("product_files")
    .values({ sha256, content_type: "text/plain; charset=utf-8", size: bytes.length, bytes, created_at: nowIso() })
    .onConflict((oc) => oc.column("sha256").doNothing())
    .execute();
  return { sha256, name: file.name };
}

/** Active products, oldest first (the seed's order, then the merchant's additions). */
export async function listProducts(db: Db): Promise<ProductView[]> {
  const rows = await db.selectFrom("products").selectAll().where("active", "=", 1).orderBy("id").execute();
  return rows.map(toProductView);
}

/** An active product by slug, or null (unknown and archived products look the same to shoppers). */
export async function findProduct(db: Db, slug: string): Promise<ProductView | null> {
  const row = await db.selectFrom("products").selectAll().where("slug", "=", slug).where("active", "=", 1).executeTakeFirst();
  return row ? toProductView(row) : null;
}

/** The current slug of the active product that had this slug before (an old link), or null. */
export async function renamedSlug(db: Db, oldSlug: string): Promise<string | null> {
  const row = await db
    .selectFrom("product_slug_history")
    .innerJoin("products", "products.id", "product_slug_history.product_id")
    .select("products.slug")
    .where("product_slug_history.slug", "=", oldSlug)
    .where("products.active", "=", 1)
    .executeTakeFirst();
  return row?.slug ?? null;
}

/** Archives (or restores) a product: archived products are not sold, but stay for the carts and orders that name them. */
export async function setProductActive(db: Db, productId: number, active: boolean): Promise<boolean> {
  const result = await db
    .updateTable("products")
    .set({ active: active ? 1 : 0, updated_at: nowIso() })
    .where("id", "=", productId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The id of the product with this slug (tests and scripts name seed products by slug). */
export async function productIdOf(db: Db, slug: string): Promise<number> {
  const row = await db.selectFrom("products").select("id").where("slug", "=", slug).executeTakeFirstOrThrow();
  return row.id;
}

/** Sets a product's stock (null: not tracked) outright: the merchant's count replaces the shop's. */
export async function setStock(db: Db, productId: number, stock: number | null): Promise<void> {
  await db.updateTable("products").set({ stock, updated_at: nowIso() }).where("id", "=", productId).execute();
}
