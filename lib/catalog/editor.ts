import { sql } from "kysely";
import { z } from "zod";
import { isPostgres, isUniqueViolation, type Db } from "../db";
import { nowIso, type Product } from "../db/schema";
import { DEFAULT_MAX_PER_ORDER, HIGHEST_MAX_PER_ORDER } from "../rules/catalog";
import { centsToDecimal } from "../rules/money";
import { controlCharactersMessage, hasControlCharacters, withoutControlCharacters } from "../rules/text";
import { typedUsd } from "../rules/typed-usd";
import { slugSchema } from "./index";
import { checkDownload, checkImage, storedDownload, storedImage, storeDownload, storeImage, uploadRefSchema, type ImageType } from "./media";

/**
 * The merchant's product editor: the form's rules, and the writes behind "New product", "Save",
 * "Archive"/"Restore" and "Delete". Every outcome a merchant can cause (a typo, a slug another
 * product uses) comes back as field errors with what was typed, never as an exception.
 */

export const MAX_PRICE_CENTS = 100_000_000; // $1,000,000.00
export const MAX_STOCK = 1_000_000;

/** What the form shows, as typed (strings), so that a refused form keeps the merchant's input. */
export interface ProductFormValues {
  name: string;
  slug: string;
  description: string;
  price: string;
  kind: string;
  stock: string;
  /** The most pieces one order may take (empty: DEFAULT_MAX_PER_ORDER). */
  maxPerOrder: string;
  /** The stock the form was loaded with: a save that leaves the number alone does not overwrite what orders took meanwhile. */
  stockWas: string;
  active: boolean;
}

export type ProductField = "name" | "slug" | "description" | "price" | "kind" | "stock" | "maxPerOrder" | "image" | "download";
export type FieldErrors = Partial<Record<ProductField, string>>;

export type EditOutcome =
  | { ok: true; productId: number; values: ProductFormValues }
  | { ok: false; fieldErrors: FieldErrors; values: ProductFormValues; message?: string };

const text = z.string().catch("");

/**
 * The form as a server action receives it: every field captured as typed (never refused here, so
 * that it can be shown again), the files as Files. `parseProductForm` then applies the rules.
 */
export const productFormInput = z.object({
  name: text,
  slug: text,
  description: text,
  price: text,
  kind: text,
  stock: text,
  maxPerOrder: text,
  stockWas: text,
  // A checkbox: present when ticked.
  active: z.string().nullable().catch(null).transform((value) => value !== null),
  image: uploadRefSchema,
  download: uploadRefSchema,
  // The uploaded download file's name (with a ref in `download`).
  downloadName: text,
});
export type ProductFormInput = z.output<typeof productFormInput>;

/** "Crème Brûlée Mug!" -> "creme-brulee-mug": the slug offered when the merchant leaves it empty. */
export function slugFromName(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 80)
    .replace(/^-+|-+$/g, "");
}

const fieldsSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Enter the product's name")
    .max(120, "The name can be at most 120 characters")
    .refine((value) => !hasControlCharacters(value), controlCharactersMessage("the name")),
  slug: z.string(), // checked below: an empty one is derived from the name
  description: z
    .string()
    .trim()
    .max(2000, "The description can be at most 2,000 characters")
    .refine((value) => !hasControlCharacters(value, { multiline: true }), controlCharactersMessage("the description")),
  price: typedUsd("Enter the price in US dollars, such as 49.99", "The price cannot have fractions of a cent")
    .refine((cents) => cents > 0, "The price must be more than $0.00")
    .refine((cents) => cents <= MAX_PRICE_CENTS, `The price can be at most $${centsToDecimal(MAX_PRICE_CENTS)}`),
  kind: z.enum(["physical", "digital"], { error: "Choose physical or digital" }),
  stock: z
    .string()
    .trim()
    .transform((value, ctx) => {
      if (value === "") return null;
      if (!/^\d{1,7}$/.test(value) || Number(value) > MAX_STOCK) {
        ctx.addIssue({ code: "custom", message: `Enter a whole number from 0 to ${MAX_STOCK.toLocaleString("en-US")}, or leave it empty to not track stock` });
        return z.NEVER;
      }
      return Number(value);
    }),
  maxPerOrder: z
    .string()
    .trim()
    .transform((value, ctx) => {
      if (value === "") return DEFAULT_MAX_PER_ORDER;
      if (!/^\d{1,3}$/.test(value) || Number(value) < 1 || Number(value) > HIGHEST_MAX_PER_ORDER) {
        ctx.addIssue({ code: "custom", message: `Enter a whole number from 1 to ${HIGHEST_MAX_PER_ORDER}, or leave it empty for ${DEFAULT_MAX_PER_ORDER}` });
        return z.NEVER;
      }
      return Number(value);
    }),
  active: z.boolean(),
});

export type ProductFields = z.output<typeof fieldsSchema> & { slug: string };

function valuesOf(input: ProductFormInput): ProductFormValues {
  const { name, slug, description, price, kind, stock, maxPerOrder, stockWas, active } = input;
  return { name, slug, description, price, kind, stock, maxPerOrder, stockWas, active };
}

/** The form's rules: the fields, or an error per field (the first one of each). */
export function parseProductForm(values: ProductFormValues): { ok: true; fields: ProductFields } | { ok: false; fieldErrors: FieldErrors } {
  const parsed = fieldsSchema.safeParse(values);
  const fieldErrors: FieldErrors = {};
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] as ProductField;
      if (field === "slug") continue; // its own message below
      fieldErrors[field] ??= issue.message;
    }
  }
  let slug = values.slug.trim();
  if (slug === "") slug = slugFromName(values.name);
  // An empty name's own error says enough: no slug can be made from it yet.
  if (!slugSchema.safeParse(slug).success && !(values.slug.trim() === "" && fieldErrors.name)) {
    fieldErrors.slug =
      values.slug.trim() === ""
        ? "Enter a slug: the name gives none (use lowercase letters, digits and hyphens)"
        : "Use 1 to 80 lowercase letters (a–z), digits and hyphens, such as desk-lamp";
  }
  if (!parsed.success || fieldErrors.slug) return { ok: false, fieldErrors };
  return { ok: true, fields: { ...parsed.data, slug } };
}

/** The form's values for a stored product (what "Edit" shows first). */
export function productFormValues(product: Product): ProductFormValues {
  const stock = product.stock === null ? "" : String(product.stock);
  return {
    name: product.name,
    slug: product.slug,
    description: product.description,
    price: centsToDecimal(product.price_cents),
    kind: product.ships ? "physical" : "digital",
    stock,
    maxPerOrder: String(product.max_per_order),
    stockWas: stock,
    active: product.active === 1,
  };
}

export const EMPTY_FORM: ProductFormValues = { name: "", slug: "", description: "", price: "", kind: "physical", stock: "", maxPerOrder: String(DEFAULT_MAX_PER_ORDER), stockWas: "", active: true };

interface CheckedUploads {
  image: { bytes: Buffer; contentType: ImageType } | null;
  download: { bytes: Buffer; name: string } | null;
}

async function checkUploads(db: Db, input: ProductFormInput, kind: string, fieldErrors: FieldErrors): Promise<CheckedUploads> {
  const uploads: CheckedUploads = { image: null, download: null };
  if (input.image) {
    const image = input.image instanceof File ? await checkImage(input.image) : await storedImage(db, input.image.ref);
    if (image.ok) uploads.image = image;
    else fieldErrors.image = image.error;
  }
  if (input.download) {
    if (kind !== "digital") {
      fieldErrors.download = "Only digital products have a download file";
    } else {
      const download = input.download instanceof File ? await checkDownload(input.download) : await storedDownload(db, input.download.ref, input.downloadName);
      if (download.ok) uploads.download = download;
      else fieldErrors.download = download.error;
    }
  }
  return uploads;
}

const slugTaken = (slug: string, owner: string) => `The slug “${slug}” is already used by ${owner}. Choose another.`;

/** Another product with this slug, if any. */
async function slugOwner(db: Db, slug: string, exceptId: number | null): Promise<string | null> {
  const row = await db
    .selectFrom("products")
    .select("name")
    .where("slug", "=", slug)
    .$if(exceptId !== null, (qb) => qb.where("id", "!=", exceptId!))
    .executeTakeFirst();
  return row ? `“${row.name}”` : null;
}

/** The product's new slug is no longer anyone's old one (it would redirect away from its own page). */
async function claimSlug(db: Db, slug: string): Promise<void> {
  await db.deleteFrom("product_slug_history").where("slug", "=", slug).execute();
}

/** Normalised values to show after a successful save. */
function savedValues(fields: ProductFields, stock: number | null): ProductFormValues {
  const stockText = stock === null ? "" : String(stock);
  return {
    name: fields.name,
    slug: fields.slug,
    description: fields.description,
    price: centsToDecimal(fields.price),
    kind: fields.kind,
    stock: stockText,
    maxPerOrder: String(fields.maxPerOrder),
    stockWas: stockText,
    active: fields.active,
  };
}

/** "New product". */
export async function createProduct(db: Db, input: ProductFormInput): Promise<EditOutcome> {
  const values = valuesOf(input);
  const parsed = parseProductForm(values);
  const fieldErrors: FieldErrors = parsed.ok ? {} : { ...parsed.fieldErrors };
  const uploads = await checkUploads(db, input, values.kind, fieldErrors);
  if (!input.image && !fieldErrors.image) fieldErrors.image = "Choose an image (PNG, JPEG or WebP)";
  if (!parsed.ok || Object.keys(fieldErrors).length > 0 || !uploads.image) return { ok: false, fieldErrors, values };
  const { fields } = parsed;
  const image = uploads.image;
  try {
    return await db.transaction().execute(async (trx): Promise<EditOutcome> => {
      const owner = await slugOwner(trx, fields.slug, null);
      if (owner) return { ok: false, fieldErrors: { slug: slugTaken(fields.slug, owner) }, values };
      const now = nowIso();
      const row = await trx
        .insertInto("products")
        .values({
          slug: fields.slug,
          name: fields.name,
          description: fields.description,
          price_cents: fields.price,
          image: await storeImage(trx, image.bytes, image.contentType),
          ships: fields.kind === "physical" ? 1 : 0,
          active: fields.active ? 1 : 0,
          stock: fields.stock,
          max_per_order: fields.maxPerOrder,
          download_sha256: uploads.download ? await storeDownload(trx, uploads.download.bytes) : null,
          download_name: uploads.download?.name ?? null,
          created_at: now,
          updated_at: now,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await claimSlug(trx, fields.slug);
      return { ok: true, productId: row.id, values: savedValues(fields, fields.stock) };
    });
  } catch (error) {
    // Another save took the slug between our check and our insert.
    if (isUniqueViolation(error)) return { ok: false, fieldErrors: { slug: slugTaken(fields.slug, "another product") }, values };
    throw error;
  }
}

/**
 * "Save" on a product's page. A new slug leaves the old one redirecting here; a new price applies
 * to carts and new orders only (orders keep their own snapshots). The stock is written only when
 * the merchant changed the number, and only if orders did not change it meanwhile. Whether it is
 * sold (`active`) is left alone: that is Archive / Restore's, and a form loaded before one of
 * those must not undo it.
 */
export async function updateProduct(db: Db, productId: number, input: ProductFormInput): Promise<EditOutcome> {
  const values = valuesOf(input);
  const parsed = parseProductForm(values);
  const fieldErrors: FieldErrors = parsed.ok ? {} : { ...parsed.fieldErrors };
  const uploads = await checkUploads(db, input, values.kind, fieldErrors);
  if (!parsed.ok || Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors, values };
  const { fields } = parsed;
  try {
    return await db.transaction().execute(async (trx): Promise<EditOutcome> => {
      const current = await trx
        .selectFrom("products")
        .selectAll()
        .where("id", "=", productId)
        .$if(isPostgres(db), (qb) => qb.forUpdate())
        .executeTakeFirst();
      if (!current) return { ok: false, fieldErrors: {}, values, message: "This product no longer exists." };
      const owner = await slugOwner(trx, fields.slug, productId);
      if (owner) return { ok: false, fieldErrors: { slug: slugTaken(fields.slug, owner) }, values };

      let stock = current.stock;
      if (values.stock.trim() !== values.stockWas.trim()) {
        const was = values.stockWas.trim() === "" ? null : Number(values.stockWas);
        if (current.stock !== was) {
          const now = current.stock === null ? "not tracked" : String(current.stock);
          return {
            ok: false,
            fieldErrors: { stock: `Orders changed the stock while you were editing: it is now ${now}. Check the number and save again.` },
            values: { ...values, stockWas: current.stock === null ? "" : String(current.stock) },
          };
        }
        stock = fields.stock;
      }

      const now = nowIso();
      await trx
        .updateTable("products")
        .set({
          slug: fields.slug,
          name: fields.name,
          description: fields.description,
          price_cents: fields.price,
          ships: fields.kind === "physical" ? 1 : 0,
          stock,
          max_per_order: fields.maxPerOrder,
          ...(uploads.image ? { image: await storeImage(trx, uploads.image.bytes, uploads.image.contentType) } : {}),
          ...(uploads.download
            ? { download_sha256: await storeDownload(trx, uploads.download.bytes), download_name: uploads.download.name }
            : {}),
          updated_at: now,
        })
        .where("id", "=", productId)
        .execute();
      if (current.slug !== fields.slug) {
        // The old slug keeps leading here (taken over from any product that had it before).
        await trx
          .insertInto("product_slug_history")
          .values({ slug: current.slug, product_id: productId, created_at: now })
          .onConflict((oc) => oc.column("slug").doUpdateSet({ product_id: productId, created_at: now }))
          .execute();
        await claimSlug(trx, fields.slug);
      }
      return { ok: true, productId, values: { ...savedValues(fields, stock), active: current.active === 1 } };
    });
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, fieldErrors: { slug: slugTaken(fields.slug, "another product") }, values };
    throw error;
  }
}

export type DeleteOutcome = { ok: true; name: string } | { ok: false; archived: boolean; message: string };

/** Whether any order names the product (then it can only be archived: orders keep what they bought). */
async function ordered(db: Db, productId: number): Promise<boolean> {
  const line = await db.selectFrom("order_items").select("order_id").where("product_id", "=", productId).limit(1).executeTakeFirst();
  if (line) return true;
  const held = await db.selectFrom("stock_reservations").select("id").where("product_id", "=", productId).limit(1).executeTakeFirst();
  return held !== undefined;
}

/**
 * Deletes a product no order names (and takes it out of the carts that hold it). A product that
 * orders name is archived instead: it leaves the shop, and its orders keep it.
 */
export async function deleteProduct(db: Db, productId: number): Promise<DeleteOutcome> {
  return db.transaction().execute(async (trx): Promise<DeleteOutcome> => {
    const product = await trx
      .selectFrom("products")
      .select(["name", "active"])
      .where("id", "=", productId)
      .$if(isPostgres(db), (qb) => qb.forUpdate())
      .executeTakeFirst();
    if (!product) return { ok: false, archived: false, message: "This product no longer exists." };
    if (await ordered(trx, productId)) {
      await trx.updateTable("products").set({ active: 0, updated_at: nowIso() }).where("id", "=", productId).execute();
      return { ok: false, archived: true, message: `Orders name ${product.name}, so it cannot be deleted. It has been archived instead: it is no longer sold, and its orders keep it.` };
    }
    await trx.deleteFrom("cart_items").where("product_id", "=", productId).execute();
    await trx.deleteFrom("product_slug_history").where("product_id", "=", productId).execute();
    await trx.deleteFrom("products").where("id", "=", productId).execute();
    return { ok: true, name: product.name };
  });
}

/** The merchant's list: by name or slug, active, archived or all. */
export const productFilterSchema = z.object({
  q: z.string().transform(withoutControlCharacters).pipe(z.string().trim().max(200)).optional().catch(undefined),
  status: z.enum(["active", "archived", "all"]).default("all").catch("all"),
});
export type ProductFilter = z.output<typeof productFilterSchema>;

export interface MerchantProductRow {
  id: number;
  name: string;
  slug: string;
  priceCents: number;
  ships: boolean;
  stock: number | null;
  active: boolean;
}

export async function listProductsForMerchant(db: Db, filter: ProductFilter): Promise<MerchantProductRow[]> {
  let query = db.selectFrom("products").select(["id", "name", "slug", "price_cents", "ships", "stock", "active"]);
  if (filter.status !== "all") query = query.where("active", "=", filter.status === "active" ? 1 : 0);
  if (filter.q) {
    // "%" and "_" are searched for as themselves.
    const pattern = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where(sql<boolean>`(lower(name) like ${pattern} escape '\\' or slug like ${pattern} escape '\\')`);
  }
  const rows = await query.orderBy("id").execute();
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    slug: row.slug,
    priceCents: row.price_cents,
    ships: row.ships === 1,
    stock: row.stock,
    active: row.active === 1,
  }));
}

/** A product for its edit page, with whether it may be deleted (no order names it). */
export async function productForEditor(db: Db, productId: number): Promise<{ product: Product; deletable: boolean } | null> {
  const product = await db.selectFrom("products").selectAll().where("id", "=", productId).executeTakeFirst();
  if (!product) return null;
  return { product, deletable: !(await ordered(db, productId)) };
}
