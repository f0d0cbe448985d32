import { describe, expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { emulatorPerFile } from "@/test/emulator-per-file";
import { placeOrder } from "@/test/shop";
import { addToCart, getCart } from "../cart";
import { findProduct, listProducts, productIdOf, renamedSlug, seedCatalog } from "./index";
import {
  createProduct,
  deleteProduct,
  listProductsForMerchant,
  parseProductForm,
  productFormInput,
  productFormValues,
  slugFromName,
  updateProduct,
  type EditOutcome,
  type ProductFormValues,
} from "./editor";
import { findImage, IMAGE_MAX_BYTES } from "./media";
import { inWordsOf } from "@/test/said";

const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGMwTjsDAAI1AWaKkkQyAAAAAElFTkSuQmCC", "base64");
const OTHER_PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGM4k2YMAANnAWbIgiL+AAAAAElFTkSuQmCC", "base64");
const JPEG = Buffer.from(
  "ffd8ffe000104a46494600010101004800480000ffdb004300030202020203020202030303030406040404040408060605060908" +
    "0a0a090809090a0c0f0c0a0b0e0b09090d110d0e0f101011100a0c12131210130f101010ffc9000b080001000101011100ffcc00" +
    "0600101005ffda0008010100003f00d2cf20ffd9",
  "hex",
);
const WEBP = Buffer.from("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==", "base64");
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>');

const file = (bytes: Uint8Array, name: string, type = "") => new File([new Uint8Array(bytes)], name, { type });

/** The form as the server action gets it (guard parses FormData with productFormInput). */
function form(fields: Record<string, unknown> = {}) {
  return productFormInput.parse({
    name: "Walnut Coaster",
    slug: "",
    description: "Four oiled walnut coasters.",
    price: "24.00",
    kind: "physical",
    stock: "",
    stockWas: "",
    active: "1",
    image: file(PNG, "coaster.png", "image/png"),
    download: null,
    ...fields,
  });
}

const values = (overrides: Partial<ProductFormValues> = {}): ProductFormValues => ({
  name: "Walnut Coaster",
  slug: "",
  description: "",
  price: "24.00",
  kind: "physical",
  stock: "",
  maxPerOrder: "",
  stockWas: "",
  active: true,
  ...overrides,
});

function created(outcome: EditOutcome): number {
  if (!outcome.ok) throw new Error(`not created: ${JSON.stringify(outcome.fieldErrors)} ${outcome.message ?? ""}`);
  return outcome.productId;
}

describe("the product form's rules", () => {
  it.each([
    ["49.99", 4999],
    ["0.10", 10],
    ["7", 700],
    ["$12.5", 1250],
    ["1000000.00", 100_000_000],
    // Exact: 0.1 + 0.2 style float errors cannot happen, digits are read as digits.
    ["19.99", 1999],
  ])("price %j is %i cents", (price, cents) => {
    const parsed = parseProductForm(values({ price }));
    expect(parsed.ok && parsed.fields.price).toBe(cents);
  });

  it.each([
    [{ name: "" }, "name", "Enter the product's name"],
    [{ name: "x".repeat(121) }, "name", "The name can be at most 120 characters"],
    [{ name: "Bad\u0000name" }, "name", "The name contains characters we cannot accept"],
    [{ name: "Mug \u202Egpj.exe" }, "name", "The name contains characters we cannot accept"],
    [{ description: "Zero\u200Bwidth" }, "description", "The description contains characters we cannot accept"],
    [{ slug: "Desk Lamp" }, "slug", "Use 1 to 80 lowercase letters (a–z), digits and hyphens, such as desk-lamp"],
    [{ slug: "a".repeat(81) }, "slug", "Use 1 to 80 lowercase letters (a–z), digits and hyphens, such as desk-lamp"],
    [{ name: "!!!", slug: "" }, "slug", "Enter a slug: the name gives none (use lowercase letters, digits and hyphens)"],
    [{ description: "x".repeat(2001) }, "description", "The description can be at most 2,000 characters"],
    [{ price: "" }, "price", "Enter the price in US dollars, such as 49.99"],
    [{ price: "abc" }, "price", "Enter the price in US dollars, such as 49.99"],
    [{ price: "-5" }, "price", "Enter the price in US dollars, such as 49.99"],
    [{ price: "1e3" }, "price", "Enter the price in US dollars, such as 49.99"],
    [{ price: "1,000" }, "price", "Enter the price in US dollars, such as 49.99"],
    [{ price: "4.999" }, "price", "The price cannot have fractions of a cent"],
    [{ price: "0.00" }, "price", "The price must be more than $0.00"],
    [{ price: "1000000.01" }, "price", "The price can be at most $1000000.00"],
    [{ kind: "" }, "kind", "Choose physical or digital"],
    [{ kind: "service" }, "kind", "Choose physical or digital"],
    [{ stock: "-1" }, "stock", "Enter a whole number from 0 to 1,000,000, or leave it empty to not track stock"],
    [{ stock: "2.5" }, "stock", "Enter a whole number from 0 to 1,000,000, or leave it empty to not track stock"],
    [{ stock: "1000001" }, "stock", "Enter a whole number from 0 to 1,000,000, or leave it empty to not track stock"],
    [{ maxPerOrder: "0" }, "maxPerOrder", "Enter a whole number from 1 to 99, or leave it empty for 10"],
    [{ maxPerOrder: "100" }, "maxPerOrder", "Enter a whole number from 1 to 99, or leave it empty for 10"],
    [{ maxPerOrder: "two" }, "maxPerOrder", "Enter a whole number from 1 to 99, or leave it empty for 10"],
  ] as [Partial<ProductFormValues>, string, string][])("%j: %s says %j", (overrides, field, message) => {
    const parsed = parseProductForm(values(overrides));
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.fieldErrors).toEqual({ [field]: message });
  });

  it("offers a slug made from the name when the slug is left empty; stock empty is not tracked", () => {
    expect(slugFromName("  Crème Brûlée — Mug #2! ")).toBe("creme-brulee-mug-2");
    const parsed = parseProductForm(values({ name: "Crème Brûlée Mug", stock: "" }));
    expect(parsed.ok && [parsed.fields.slug, parsed.fields.stock]).toEqual(["creme-brulee-mug", null]);
    const counted = parseProductForm(values({ stock: " 0 " }));
    expect(counted.ok && counted.fields.stock).toBe(0);
  });

  it("the most per order is 10 when left empty, else what the merchant typed", () => {
    const empty = parseProductForm(values({ maxPerOrder: "" }));
    expect(empty.ok && empty.fields.maxPerOrder).toBe(10);
    const set = parseProductForm(values({ maxPerOrder: " 25 " }));
    expect(set.ok && set.fields.maxPerOrder).toBe(25);
  });
});

const payram = emulatorPerFile();

describeOnEachDatabase("the merchant's product editor", (get) => {
  it("the merchant sets the most per order on create and on save (10 by default)", async () => {
    const { db } = get();
    await seedCatalog(db); // the demo catalog first: later tests buy from it
    const id = created(await createProduct(db, form({ name: "Riso Print", stock: "50", maxPerOrder: "3" })));
    const most = async () => (await db.selectFrom("products").select("max_per_order").where("id", "=", id).executeTakeFirstOrThrow()).max_per_order;
    expect(await most()).toBe(3);
    const saved = await updateProduct(db, id, form({ name: "Riso Print", stock: "50", stockWas: "50", maxPerOrder: "" }));
    expect(saved).toMatchObject({ ok: true, values: { maxPerOrder: "10" } });
    expect(await most()).toBe(10);
  });

  it("creates a product with its uploaded image and stock, sold in the shop at once", async () => {
    const { db } = get();
    await seedCatalog(db); // the demo catalog first: orders below buy from it
    const id = created(await createProduct(db, form({ name: "Walnut Coaster", stock: "3" })));
    const product = await findProduct(db, "walnut-coaster");
    expect(product).toMatchObject({ id, name: "Walnut Coaster", priceCents: 2400, stock: 3, ships: true, active: true });
    expect(product!.image).toMatch(/^\/media\/[0-9a-f]{64}\.png$/);
    expect((await findImage(db, product!.image.slice("/media/".length)))?.contentType).toBe("image/png");
    expect((await listProducts(db)).map((p) => p.slug)).toContain("walnut-coaster");
  });

  it("accepts JPEG and WebP by their bytes, and refuses an SVG or a text file named .png, keeping what was typed", async () => {
    const { db } = get();
    created(await createProduct(db, form({ name: "Jpeg Thing", image: file(JPEG, "x.bin") })));
    created(await createProduct(db, form({ name: "Webp Thing", image: file(WEBP, "x.bin") })));
    expect((await findProduct(db, "jpeg-thing"))!.image).toMatch(/\.jpg$/);
    expect((await findProduct(db, "webp-thing"))!.image).toMatch(/\.webp$/);

    const refused = "The image must be a PNG, JPEG or WebP file (SVG and other formats are not accepted).";
    for (const image of [file(SVG, "logo.svg", "image/svg+xml"), file(Buffer.from("hello, not a picture"), "photo.png", "image/png")]) {
      const outcome = await createProduct(db, form({ name: "Sneaky", price: "3.50", image }));
      expect(outcome).toEqual({ ok: false, fieldErrors: { image: refused }, values: expect.objectContaining({ name: "Sneaky", price: "3.50" }) });
    }
    expect(await createProduct(db, form({ name: "No Picture", image: null }))).toMatchObject({ ok: false, fieldErrors: { image: "Choose an image (PNG, JPEG or WebP)" } });
    const big = file(Buffer.concat([PNG, Buffer.alloc(IMAGE_MAX_BYTES)]), "big.png");
    expect(await createProduct(db, form({ name: "Big Picture", image: big }))).toMatchObject({ ok: false, fieldErrors: { image: "The image is larger than 2 MB. Choose a smaller one." } });
    expect(await findProduct(db, "sneaky")).toBeNull();
  });

  it("a slug another product uses is a field error, on create and on save", async () => {
    const { db } = get();
    const first = created(await createProduct(db, form({ name: "Oak Shelf", slug: "oak-shelf" })));
    const second = created(await createProduct(db, form({ name: "Pine Shelf", slug: "pine-shelf" })));
    const message = "The slug “oak-shelf” is already used by “Oak Shelf”. Choose another.";
    expect(await createProduct(db, form({ name: "Other", slug: "oak-shelf" }))).toEqual({ ok: false, fieldErrors: { slug: message }, values: expect.objectContaining({ name: "Other", slug: "oak-shelf" }) });
    expect(await updateProduct(db, second, form({ name: "Pine Shelf", slug: "oak-shelf", image: null }))).toMatchObject({ ok: false, fieldErrors: { slug: message } });
    // Saving a product under its own slug is no collision.
    expect(await updateProduct(db, first, form({ name: "Oak Shelf", slug: "oak-shelf", image: null }))).toMatchObject({ ok: true });
  });

  it("a new slug leaves the old one redirecting; going back claims it again", async () => {
    const { db } = get();
    const id = created(await createProduct(db, form({ name: "Linen Apron", slug: "linen-apron" })));
    expect(await updateProduct(db, id, form({ name: "Linen Apron", slug: "chef-apron", image: null }))).toMatchObject({ ok: true, values: { slug: "chef-apron" } });
    expect(await findProduct(db, "linen-apron")).toBeNull();
    expect(await renamedSlug(db, "linen-apron")).toBe("chef-apron");
    expect(await db.selectFrom("product_slug_history").select(["slug", "product_id"]).where("product_id", "=", id).execute()).toEqual([{ slug: "linen-apron", product_id: id }]);

    await updateProduct(db, id, form({ name: "Linen Apron", slug: "bistro-apron", image: null }));
    expect(await renamedSlug(db, "linen-apron")).toBe("bistro-apron");
    expect(await renamedSlug(db, "chef-apron")).toBe("bistro-apron");
    // Back to the first slug: it is the product's own again, not an old link.
    await updateProduct(db, id, form({ name: "Linen Apron", slug: "linen-apron", image: null }));
    expect(await renamedSlug(db, "linen-apron")).toBeNull();
    expect((await findProduct(db, "linen-apron"))?.id).toBe(id);
    expect(await renamedSlug(db, "bistro-apron")).toBe("linen-apron");

    // Another product may take an old slug over: the old link then shows that product.
    const other = created(await createProduct(db, form({ name: "Chef Apron", slug: "chef-apron" })));
    expect(await renamedSlug(db, "chef-apron")).toBeNull();
    expect((await findProduct(db, "chef-apron"))?.id).toBe(other);
  });

  it("a price change leaves the orders already placed as they were", async () => {
    const { db } = get();
    const placed = await placeOrder(db, payram, [["lofi-sound-pack", 2]]);
    const id = await productIdOf(db, "lofi-sound-pack");
    const before = await db.selectFrom("order_items").selectAll().where("order_id", "=", placed.orderId).execute();
    const total = await db.selectFrom("orders").select("total_cents").where("id", "=", placed.orderId).executeTakeFirstOrThrow();
    expect(before[0]).toMatchObject({ unit_price_cents: 949, line_total_cents: 1898 });

    const current = productFormValues((await db.selectFrom("products").selectAll().where("id", "=", id).executeTakeFirstOrThrow()));
    expect(await updateProduct(db, id, form({ ...current, price: "15.00", image: null }))).toMatchObject({ ok: true, values: { price: "15.00" } });

    expect((await findProduct(db, "lofi-sound-pack"))?.priceCents).toBe(1500);
    expect(await db.selectFrom("order_items").selectAll().where("order_id", "=", placed.orderId).execute()).toEqual(before);
    expect(await db.selectFrom("orders").select("total_cents").where("id", "=", placed.orderId).executeTakeFirstOrThrow()).toEqual(total);
  });

  it("a product an order names is archived, never deleted; one no order names is deleted with its cart lines", async () => {
    const { db } = get();
    await seedCatalog(db);
    await placeOrder(db, payram, [["brass-keyring", 1]]);
    const ordered = await productIdOf(db, "brass-keyring");
    expect(await deleteProduct(db, ordered)).toEqual({
      ok: false,
      archived: true,
      message: "Orders name Solid Brass Keyring, so it cannot be deleted. It has been archived instead: it is no longer sold, and its orders keep it.",
    });
    expect(await db.selectFrom("products").select("active").where("id", "=", ordered).executeTakeFirst()).toEqual({ active: 0 });
    expect(await findProduct(db, "brass-keyring")).toBeNull();

    const id = created(await createProduct(db, form({ name: "Short Lived", slug: "short-lived" })));
    await updateProduct(db, id, form({ name: "Short Lived", slug: "shorter-lived", image: null }));
    const cart = await addToCart(db, undefined, id, 2);
    if (!cart.ok) throw new Error(inWordsOf(cart.error));
    expect(await deleteProduct(db, id)).toEqual({ ok: true, name: "Short Lived" });
    expect(await db.selectFrom("products").select("id").where("id", "=", id).executeTakeFirst()).toBeUndefined();
    expect(await db.selectFrom("product_slug_history").select("slug").where("product_id", "=", id).execute()).toEqual([]);
    expect((await getCart(db, cart.cartId)).lines).toEqual([]);
  });

  it("saving leaves stock that orders took alone; a changed number over a moved stock is refused", async () => {
    const { db } = get();
    const id = created(await createProduct(db, form({ name: "Clay Vase", stock: "3" })));
    const loaded = productFormValues((await db.selectFrom("products").selectAll().where("id", "=", id).executeTakeFirstOrThrow()));
    expect(loaded).toMatchObject({ stock: "3", stockWas: "3", kind: "physical", price: "24.00" });
    // A shopper's order takes one meanwhile.
    await db.updateTable("products").set({ stock: 2 }).where("id", "=", id).execute();

    expect(await updateProduct(db, id, form({ ...loaded, name: "Clay Vase (blue)", image: null }))).toMatchObject({ ok: true, values: { stock: "2" } });
    expect((await findProduct(db, "clay-vase"))?.stock).toBe(2);

    expect(await updateProduct(db, id, form({ ...loaded, stock: "10", image: null }))).toMatchObject({
      ok: false,
      fieldErrors: { stock: "Orders changed the stock while you were editing: it is now 2. Check the number and save again." },
      values: { stock: "10", stockWas: "2" },
    });
    expect(await updateProduct(db, id, form({ ...loaded, stock: "10", stockWas: "2", image: null }))).toMatchObject({ ok: true });
    expect((await findProduct(db, "clay-vase"))?.stock).toBe(10);
    expect(await updateProduct(db, id, form({ ...loaded, stock: "", stockWas: "10", image: null }))).toMatchObject({ ok: true });
    expect((await findProduct(db, "clay-vase"))?.stock).toBeNull();
  });

  it("a new image replaces the old; a digital product keeps its download file and its sanitised name", async () => {
    const { db } = get();
    const id = created(await createProduct(db, form({ name: "Field Recordings", kind: "digital", download: file(Buffer.from("PK\u0003\u0004zip bytes", "latin1"), "C:\\music\\Field Recordings.zip") })));
    const row = await db.selectFrom("products").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ ships: 0, download_name: "Field Recordings.zip" });
    expect(await db.selectFrom("product_files").select(["content_type", "size"]).where("sha256", "=", row.download_sha256!).executeTakeFirst()).toEqual({ content_type: "application/zip", size: 13 });

    await updateProduct(db, id, form({ ...productFormValues(row), image: file(OTHER_PNG, "new.png") }));
    const after = await db.selectFrom("products").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(after.image).not.toBe(row.image);
    expect(after.download_sha256).toBe(row.download_sha256);
    // A file input left empty still sends an empty part: the image and the file stay.
    expect(await updateProduct(db, id, form({ ...productFormValues(after), image: file(Buffer.alloc(0), "blob"), download: file(Buffer.alloc(0), "") }))).toMatchObject({ ok: true });
    expect(await db.selectFrom("products").select(["image", "download_sha256"]).where("id", "=", id).executeTakeFirst()).toEqual({ image: after.image, download_sha256: row.download_sha256 });

    expect(await createProduct(db, form({ name: "Lamp With File", kind: "physical", download: file(Buffer.from("x"), "x.txt") }))).toMatchObject({
      ok: false,
      fieldErrors: { download: "Only digital products have a download file" },
    });
  });

  it("lists products by name or slug, active, archived or all", async () => {
    const { db } = get();
    await seedCatalog(db);
    const id = created(await createProduct(db, form({ name: "Searchable Stool", slug: "stool-x1", active: null, stock: "0" })));
    const names = async (filter: Parameters<typeof listProductsForMerchant>[1]) => (await listProductsForMerchant(db, filter)).map((row) => row.name);
    expect(await names({ q: "SEARCHABLE", status: "all" })).toEqual(["Searchable Stool"]);
    expect(await names({ q: "stool-x", status: "all" })).toEqual(["Searchable Stool"]);
    expect(await names({ q: "stool", status: "active" })).toEqual([]);
    expect(await names({ q: "stool", status: "archived" })).toEqual(["Searchable Stool"]);
    expect(await names({ q: "%", status: "all" })).toEqual([]);
    expect((await listProductsForMerchant(db, { status: "archived" })).find((row) => row.id === id)).toMatchObject({ stock: 0, active: false, ships: true });
  });
});
