import { expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { orderRow } from "@/test/shop";
import { listProducts, productIdOf, seedCatalog, setProductActive, setStock } from "../catalog";
import { CATALOG } from "../catalog/products";
import { addToCart, getCart, lineProblem, quantitySchema, removeFromCart, setQuantity } from "./index";
import { inWordsOf } from "@/test/said";

it.each([
  ["1", 1],
  ["99", 99],
  [" 7 ", 7],
])("quantity %j is %i", (input, value) => {
  expect(quantitySchema.parse(input)).toBe(value);
});

it.each([
  ["0", "The quantity must be at least 1"],
  ["-1", "Enter a whole number"],
  ["1.5", "Enter a whole number"],
  ["100", "The quantity can be at most 99"],
  ["abc", "Enter a whole number"],
  ["", "Enter a whole number"],
  ["1e1", "Enter a whole number"],
])("quantity %j is refused: %s", (input, message) => {
  const result = quantitySchema.safeParse(input);
  expect(result.success).toBe(false);
  expect(inWordsOf(lineProblem(result.error!))).toBe(message);
});

describeOnEachDatabase("cart", (get) => {
  it("prices lines from the catalog and counts items", async () => {
    const { db } = get();
    await seedCatalog(db);
    const first = await addToCart(db, undefined, await productIdOf(db, "aurora-desk-lamp"), 2);
    if (!first.ok) throw new Error(inWordsOf(first.error));
    await addToCart(db, first.cartId, await productIdOf(db, "lofi-sound-pack"), 1);
    await addToCart(db, first.cartId, await productIdOf(db, "aurora-desk-lamp"), 1);
    const cart = await getCart(db, first.cartId);
    expect(cart.lines.map((l) => [l.slug, l.quantity, l.lineTotalCents])).toEqual([
      ["aurora-desk-lamp", 3, 3 * 8900],
      ["lofi-sound-pack", 1, 949],
    ]);
    expect(cart.itemCount).toBe(4);
    expect(cart.subtotalCents).toBe(3 * 8900 + 949);
  });

  it("caps a line at 99 and keeps the cart as it was", async () => {
    const { db } = get();
    const result = await addToCart(db, undefined, await productIdOf(db, "brass-keyring"), 98);
    if (!result.ok) throw new Error(inWordsOf(result.error));
    expect(inWordsOf(await addToCart(db, result.cartId, await productIdOf(db, "brass-keyring"), 2))).toEqual({
      ok: false,
      error: "You can buy at most 99 of Solid Brass Keyring; your cart already has 98.",
    });
    expect((await getCart(db, result.cartId)).itemCount).toBe(98);
  });

  it("treats a forged or unknown cart cookie as no cart, and starts a fresh one", async () => {
    const { db } = get();
    expect((await getCart(db, "forged-cookie")).lines).toEqual([]);
    expect((await getCart(db, "A".repeat(22))).lines).toEqual([]);
    const added = await addToCart(db, "A".repeat(22), await productIdOf(db, "merino-beanie"), 1);
    expect(added).toMatchObject({ ok: true, cartId: expect.not.stringMatching(/^A{22}$/) });
  });

  it("refuses unknown products and updates of lines another tab removed", async () => {
    const { db } = get();
    expect(inWordsOf(await addToCart(db, undefined, 999_999, 1))).toEqual({ ok: false, error: "This product is not available." });
    const result = await addToCart(db, undefined, await productIdOf(db, "merino-beanie"), 1);
    if (!result.ok) throw new Error(inWordsOf(result.error));
    expect(await setQuantity(db, result.cartId, await productIdOf(db, "merino-beanie"), 5)).toEqual({ ok: true, cartId: result.cartId });
    await removeFromCart(db, result.cartId, await productIdOf(db, "merino-beanie"));
    expect(inWordsOf(await setQuantity(db, result.cartId, await productIdOf(db, "merino-beanie"), 2))).toEqual({ ok: false, error: "That item is no longer in your cart." });
    expect((await getCart(db, result.cartId)).lines).toEqual([]);
  });

  it("writes no cart for a page view, a forged cookie or an add that fails", async () => {
    const { db } = get();
    const carts = async () => (await db.selectFrom("carts").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n;
    const before = Number(await carts());
    await getCart(db, undefined);
    await getCart(db, "B".repeat(22));
    expect(await addToCart(db, undefined, 999_999, 1)).toMatchObject({ ok: false });
    expect(inWordsOf(await addToCart(db, "B".repeat(22), await productIdOf(db, "merino-beanie"), 100))).toEqual({ ok: false, error: "You can buy at most 99 of Merino Beanie; your cart already has 0." });
    expect(Number(await carts())).toBe(before);
  });

  it("starts at most 20 carts per client in 10 minutes; others starting carts never stop a new shopper", async () => {
    const { db } = get();
    const carts = async () => Number((await db.selectFrom("carts").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
    const now = Date.parse("2026-11-26T14:00:00.000Z");
    const beanie = await productIdOf(db, "merino-beanie");
    // One client without a cookie, again and again.
    const before = await carts();
    const own = [];
    for (let i = 0; i < 25; i++) own.push(await addToCart(db, undefined, beanie, 1, { client: "192.0.2.10", now }));
    expect(own.filter((r) => r.ok)).toHaveLength(20);
    expect(inWordsOf(own.at(-1))).toEqual({ ok: false, error: "Too many new carts from your network. Please try again in 10 minutes." });
    // A client with a cart keeps adding to it.
    const kept = own[0]!;
    if (!kept.ok) throw new Error(inWordsOf(kept.error));
    expect(await addToCart(db, kept.cartId, await productIdOf(db, "brass-keyring"), 1, { client: "192.0.2.10", now })).toEqual({ ok: true, cartId: kept.cartId });
    // Issue 29.3: 40 new carts from 2 addresses in half a second (20 each)…
    const flood = [];
    for (let i = 0; i < 40; i++) flood.push(await addToCart(db, undefined, beanie, 1, { client: `198.51.100.${i % 2}`, now: now + 1_000 + i * 10 }));
    expect(flood.filter((r) => r.ok)).toHaveLength(40);
    // …and a hundred more from ever new addresses: a fresh shopper still gets a cart.
    for (let i = 0; i < 100; i++) expect(await addToCart(db, undefined, beanie, 1, { client: `203.0.113.${i}`, now: now + 2_000 })).toMatchObject({ ok: true });
    expect(await addToCart(db, undefined, beanie, 1, { client: "192.0.2.200", now: now + 2_000 })).toMatchObject({ ok: true });
    expect((await carts()) - before).toBe(20 + 40 + 100 + 1);
  });

  it("keeps the carts table bounded by evicting the carts idle longest that no checkout made an order of", async () => {
    const { db } = get();
    await db.deleteFrom("carts").execute();
    const beanie = await productIdOf(db, "merino-beanie");
    const now = Date.parse("2026-11-26T15:00:00.000Z");
    const start = async (client: string, at = now) => {
      const result = await addToCart(db, undefined, beanie, 1, { client, now: at, maxCarts: 30 });
      if (!result.ok) throw new Error(inWordsOf(result.error));
      return result.cartId;
    };
    // The oldest cart made an order at checkout; the next is an honest shopper's, idle since.
    const checkedOut = await start("192.0.2.20");
    await db.insertInto("orders").values(orderRow({ id: "evict-order-000000000001", number: 9_101, totalCents: 2999, createdAt: new Date(now).toISOString() })).execute();
    await db.updateTable("carts").set({ order_id: "evict-order-000000000001", updated_at: "2026-11-01T00:00:00.000Z" }).where("id", "=", checkedOut).execute();
    const idle = await start("192.0.2.21");
    await db.updateTable("carts").set({ updated_at: "2026-11-02T00:00:00.000Z" }).where("id", "=", idle).execute();
    const recent = [];
    for (let i = 0; i < 60; i++) recent.push(await start(`2001:db8:${i.toString(16)}::1`, now + i));
    const ids = (await db.selectFrom("carts").select("id").execute()).map((row) => row.id);
    // 30 carts without an order (the newest), and the one a checkout made an order of.
    expect(ids.toSorted()).toEqual([checkedOut, ...recent.slice(-30)].toSorted());
    expect(ids).not.toContain(idle);
    expect((await getCart(db, idle)).lines).toEqual([]);
    expect(await db.selectFrom("cart_items").select("cart_id").where("cart_id", "=", idle).execute()).toEqual([]);
  });

  it("keeps an archived product in the cart, unavailable and out of the subtotal", async () => {
    const { db } = get();
    const result = await addToCart(db, undefined, await productIdOf(db, "golden-hour-presets"), 1);
    if (!result.ok) throw new Error(inWordsOf(result.error));
    await addToCart(db, result.cartId, await productIdOf(db, "merino-beanie"), 1);
    const presets = await productIdOf(db, "golden-hour-presets");
    await setProductActive(db, presets, false);
    const cart = await getCart(db, result.cartId);
    expect(cart.lines.find((l) => l.slug === "golden-hour-presets")?.available).toBe(false);
    expect(cart.subtotalCents).toBe(2999);
    expect((await listProducts(db)).map((p) => p.slug)).not.toContain("golden-hour-presets");
    expect(await addToCart(db, result.cartId, await productIdOf(db, "golden-hour-presets"), 1)).toMatchObject({ ok: false });
    await setProductActive(db, presets, true);
    expect((await listProducts(db)).map((p) => p.slug)).toEqual(CATALOG.map((p) => p.slug));
  });

  it("seeds the demo catalog into an empty database only: a restart keeps the merchant's edits", async () => {
    const { db } = get();
    const lamp = await productIdOf(db, "aurora-desk-lamp");
    await db.updateTable("products").set({ price_cents: 9900, name: "Aurora Lamp" }).where("id", "=", lamp).execute();
    await setProductActive(db, await productIdOf(db, "brass-keyring"), false);
    expect(await seedCatalog(db)).toBe(false);
    const products = await listProducts(db);
    expect(products.find((p) => p.id === lamp)).toMatchObject({ name: "Aurora Lamp", priceCents: 9900 });
    expect(products.map((p) => p.slug)).not.toContain("brass-keyring");
    await setProductActive(db, await productIdOf(db, "brass-keyring"), true);
    await db.updateTable("products").set({ price_cents: 8900, name: "Aurora Desk Lamp" }).where("id", "=", lamp).execute();
  });

  it("caps what a cart may hold at the stock, and refuses a sold-out product", async () => {
    const { db } = get();
    const beanie = await productIdOf(db, "merino-beanie");
    await setStock(db, beanie, 2);
    try {
      expect(inWordsOf(await addToCart(db, undefined, beanie, 3))).toEqual({ ok: false, error: "Only 2 of Merino Beanie are left." });
      const added = await addToCart(db, undefined, beanie, 2);
      if (!added.ok) throw new Error(inWordsOf(added.error));
      expect(inWordsOf(await addToCart(db, added.cartId, beanie, 1))).toEqual({ ok: false, error: "Only 2 of Merino Beanie are left; your cart already has 2." });
      expect(inWordsOf(await setQuantity(db, added.cartId, beanie, 3))).toEqual({ ok: false, error: "Only 2 of Merino Beanie are left." });
      await setStock(db, beanie, 0);
      expect(inWordsOf(await addToCart(db, undefined, beanie, 1))).toEqual({ ok: false, error: "Merino Beanie is sold out." });
      // Already in a cart: shown as more than is left, and checkout refuses it (lib/payments/pricing).
      expect((await getCart(db, added.cartId)).lines[0]).toMatchObject({ quantity: 2, stock: 0 });
    } finally {
      await setStock(db, beanie, null);
    }
  });
});

it("seeds the demo catalog once per database: a merchant who deleted every demo product does not get them back at the next start", async () => {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { createDb, migrate } = await import("../db");
  const dir = mkdtempSync(join(tmpdir(), "shop-seed-"));
  const db = createDb({ kind: "sqlite", path: join(dir, "shop.db") });
  try {
    await migrate(db);
    expect(await seedCatalog(db)).toBe(true);
    await db.deleteFrom("products").execute();
    expect(await seedCatalog(db)).toBe(false);
    expect(await listProducts(db)).toEqual([]);
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
