import { z } from "zod";
import type { Db } from "../db";
import { nowIso, type Product } from "../db/schema";
import { CATALOG, type CatalogProduct } from "./products";

export type { CatalogProduct };

/** A product slug as it may arrive from a URL or a form. */
export const slugSchema = z.string().regex(/^[a-z0-9-]{1,80}$/);

/** What pages and pricing see of a product. */
export interface ProductView extends CatalogProduct {
  /** False once the product left the catalog. */
  active: boolean;
}

export function toProductView(row: Product): ProductView {
  return {
    slug: row.slug,
    name: row.name,
    description: row.description,
    priceCents: row.price_cents,
    image: row.image,
    ships: row.ships === 1,
    active: row.active === 1,
  };
}

/** Writes the seed catalog into the products table; products no longer in it become inactive. */
export async function syncCatalog(db: Db, catalog: readonly CatalogProduct[] = CATALOG): Promise<void> {
  const now = nowIso();
  await db.transaction().execute(async (trx) => {
    for (const product of catalog) {
      const values = {
        name: product.name,
        description: product.description,
        price_cents: product.priceCents,
        image: product.image,
        ships: product.ships ? (1 as const) : (0 as const),
        active: 1 as const,
      };
      await trx
        .insertInto("products")
        .values({ slug: product.slug, ...values, created_at: now, updated_at: now })
        .onConflict((oc) => oc.column("slug").doUpdateSet({ ...values, updated_at: now }))
        .execute();
    }
    const slugs = catalog.map((product) => product.slug);
    await trx
      .updateTable("products")
      .set({ active: 0, updated_at: now })
      .where("active", "=", 1)
      .$if(slugs.length > 0, (qb) => qb.where("slug", "not in", slugs))
      .execute();
  });
}

/** Active products, in the catalog's order. */
export async function listProducts(db: Db): Promise<ProductView[]> {
  const rows = await db.selectFrom("products").selectAll().where("active", "=", 1).execute();
  const position = (slug: string) => {
    const index = CATALOG.findIndex((product) => product.slug === slug);
    return index === -1 ? CATALOG.length : index;
  };
  return rows.map(toProductView).sort((a, b) => position(a.slug) - position(b.slug) || a.slug.localeCompare(b.slug));
}

/** An active product by slug, or null (unknown and removed products look the same to shoppers). */
export async function findProduct(db: Db, slug: string): Promise<ProductView | null> {
  const row = await db.selectFrom("products").selectAll().where("slug", "=", slug).where("active", "=", 1).executeTakeFirst();
  return row ? toProductView(row) : null;
}
