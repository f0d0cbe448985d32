import { describe, expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { emulatorPerFile } from "@/test/emulator-per-file";
import { placeOrder, syncDepsFor, TEST_SECRET, type PlacedOrder } from "@/test/shop";
import { productIdOf } from "../catalog";
import type { Db } from "../db";
import { syncPayment } from "../payments/sync";
import { inWordsOf } from "@/test/said";
import { contentDisposition, DOWNLOAD_LIMIT, LINK_TTL_MS, orderDownloads, parseRange, rangeOf, signDownload, takeDownload, verifyDownload, type ByteRange } from "./downloads";

const payram = emulatorPerFile();

describeOnEachDatabase("downloads", (get) => {
  /** The sound pack (digital) and the lamp (physical); `pack` and `lamp` are their lines' positions. */
  async function paidOrder(): Promise<PlacedOrder & { pack: number; lamp: number }> {
    const order = await placeOrder(get().db, payram, [
      ["lofi-sound-pack", 1],
      ["aurora-desk-lamp", 1],
    ]);
    await payram.deposit(order.referenceId, "98.49");
    await syncPayment(syncDepsFor(get().db, payram), { referenceId: order.referenceId }, "webhook");
    const items = await get().db.selectFrom("order_items").select(["position", "product_slug"]).where("order_id", "=", order.orderId).execute();
    const positionOf = (slug: string) => items.find((item) => item.product_slug === slug)!.position;
    return { ...order, pack: positionOf("lofi-sound-pack"), lamp: positionOf("aurora-desk-lamp") };
  }

  const link = (orderId: string, position: number, expiresAt = new Date(Date.now() + LINK_TTL_MS)) => signDownload(TEST_SECRET, { orderId, position, expiresAt });
  const downloads = async (orderId: string, position: number, db: Db = get().db) =>
    (await db.selectFrom("order_items").select("downloads").where("order_id", "=", orderId).where("position", "=", position).executeTakeFirstOrThrow()).downloads;

  it("a paid order's digital line downloads its product's file, counted once per file served", async () => {
    const order = await paidOrder();
    const listed = await orderDownloads(get().db, order.orderId, TEST_SECRET);
    expect(listed).toEqual({
      state: "ready",
      orderNumber: order.orderNumber,
      linksExpireAt: expect.any(Date),
      lines: [
        { position: order.pack, name: "Lo-Fi Sound Pack", quantity: 1, fileName: "lofi-sound-pack-readme.txt", size: expect.any(Number), downloads: 0, remaining: DOWNLOAD_LIMIT, href: expect.stringMatching(/^\/api\/downloads\//) },
      ],
    });
    // The page's link is good for 7 days.
    const token = listed.state === "ready" ? listed.lines[0]!.href!.slice("/api/downloads/".length) : "";
    expect(verifyDownload(TEST_SECRET, token, new Date(Date.now() + LINK_TTL_MS - 60_000))).toMatchObject({ ok: true, orderId: order.orderId, position: order.pack });
    expect(verifyDownload(TEST_SECRET, token, new Date(Date.now() + LINK_TTL_MS + 1_000))).toMatchObject({ ok: false, reason: "expired" });
    const served = await takeDownload(get().db, TEST_SECRET, token);
    expect(served).toMatchObject({ ok: true, contentType: "text/plain; charset=utf-8", fileName: "lofi-sound-pack-readme.txt" });
    if (!served.ok) throw new Error("not served");
    expect(served.bytes.toString("utf8")).toContain("Lo-Fi Sound Pack");
    expect(await downloads(order.orderId, order.pack)).toBe(1);
    expect(await orderDownloads(get().db, order.orderId, TEST_SECRET)).toMatchObject({ lines: [{ downloads: 1, remaining: DOWNLOAD_LIMIT - 1 }] });
  });

  it("refuses past the limit, and counts no further", async () => {
    const order = await paidOrder();
    const token = link(order.orderId, order.pack);
    for (let i = 0; i < DOWNLOAD_LIMIT; i++) expect(await takeDownload(get().db, TEST_SECRET, token)).toMatchObject({ ok: true });
    expect(inWordsOf(await takeDownload(get().db, TEST_SECRET, token))).toEqual({
      ok: false,
      status: 403,
      reason: "limit",
      message: "The download limit (5) for this item is reached. Please contact the shop.",
      orderId: order.orderId,
    });
    expect(await downloads(order.orderId, order.pack)).toBe(DOWNLOAD_LIMIT);
    // The download page says so instead of offering a link.
    expect(await orderDownloads(get().db, order.orderId, TEST_SECRET)).toMatchObject({ lines: [{ remaining: 0, href: null }] });
  });

  it("HEAD answers as a download would and counts nothing, at the limit too (issue 29.6)", async () => {
    const order = await paidOrder();
    const token = link(order.orderId, order.pack);
    for (let i = 0; i < 3; i++) expect(await takeDownload(get().db, TEST_SECRET, token, new Date(), { kind: "head" })).toMatchObject({ ok: true, fileName: "lofi-sound-pack-readme.txt" });
    expect(await downloads(order.orderId, order.pack)).toBe(0);
    await get().db.updateTable("order_items").set({ downloads: DOWNLOAD_LIMIT }).where("order_id", "=", order.orderId).where("position", "=", order.pack).execute();
    expect(await takeDownload(get().db, TEST_SECRET, token, new Date(), { kind: "head" })).toMatchObject({ ok: false, status: 403, reason: "limit" });
    expect(await downloads(order.orderId, order.pack)).toBe(DOWNLOAD_LIMIT);
  });

  it("a range from the first byte is a download; a later one resumes it uncounted, even at the limit; If-Range of another file starts anew (issue 29.6)", async () => {
    const order = await paidOrder();
    const token = link(order.orderId, order.pack);
    const range = (r: ByteRange, ifRange: string | null = null) => takeDownload(get().db, TEST_SECRET, token, new Date(), { kind: "range", range: r, ifRange });
    // A part of a file never downloaded is a download.
    expect(await range({ start: 10, end: null })).toMatchObject({ ok: true, range: { start: 10, end: null } });
    expect(await downloads(order.orderId, order.pack)).toBe(1);
    const first = await range({ start: 0, end: 99 });
    expect(first).toMatchObject({ ok: true, range: { start: 0, end: 99 } });
    expect(await downloads(order.orderId, order.pack)).toBe(2);
    if (!first.ok) throw new Error("not served");
    // Resuming, with the file's own ETag: not counted.
    expect(await range({ start: 100, end: null }, first.etag)).toMatchObject({ ok: true });
    expect(await range({ suffix: 20 })).toMatchObject({ ok: true });
    // Past the end (answered 416): nothing counted.
    expect(await range({ start: 10_000_000, end: null })).toMatchObject({ ok: true });
    expect(await downloads(order.orderId, order.pack)).toBe(2);
    // If-Range names another version: the whole file is served, and that is a download.
    expect(await range({ start: 100, end: null }, '"another-file"')).toMatchObject({ ok: true, range: null });
    expect(await downloads(order.orderId, order.pack)).toBe(3);
    // At the limit a resumption is still served; a new download is not.
    await get().db.updateTable("order_items").set({ downloads: DOWNLOAD_LIMIT }).where("order_id", "=", order.orderId).where("position", "=", order.pack).execute();
    expect(await range({ start: 100, end: null }, first.etag)).toMatchObject({ ok: true });
    expect(await range({ start: 0, end: null }, first.etag)).toMatchObject({ ok: false, reason: "limit" });
    expect(await downloads(order.orderId, order.pack)).toBe(DOWNLOAD_LIMIT);
  });

  it("many downloads at once on several instances serve exactly what the limit allows", async () => {
    const order = await paidOrder();
    await get().db.updateTable("order_items").set({ downloads: DOWNLOAD_LIMIT - 2 }).where("order_id", "=", order.orderId).where("position", "=", order.pack).execute();
    const handles = get().dialect === "postgres" ? [get().db, get().open(), get().open()] : [get().db];
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => takeDownload(handles[i % handles.length]!, TEST_SECRET, link(order.orderId, order.pack))));
    expect(results.filter((result) => result.ok)).toHaveLength(2);
    expect(await downloads(order.orderId, order.pack)).toBe(DOWNLOAD_LIMIT);
  });

  it("refuses an expired or tampered link, and counts nothing", async () => {
    const order = await paidOrder();
    expect(inWordsOf(await takeDownload(get().db, TEST_SECRET, link(order.orderId, order.pack, new Date(Date.now() - 1000))))).toEqual({
      ok: false,
      status: 403,
      reason: "expired",
      message: "This download link has expired. Open your order's download page again for a new link.",
      orderId: order.orderId,
    });
    const good = link(order.orderId, order.pack);
    const [id, position, expires, mac] = good.split(".") as [string, string, string, string];
    const invalid = { ok: false, status: 404, reason: "invalid", message: "This download link is not valid. Open your order's download page again for a new link.", orderId: null };
    for (const tampered of [
      `${id}.${position}.${Number(expires) + 86_400}.${mac}`, // a longer life
      `${id}.${order.lamp}.${expires}.${mac}`, // another line
      `${id}.${position}.${expires}.${mac.slice(0, -1)}${mac.endsWith("A") ? "B" : "A"}`,
      signDownload("another-shop-secret-0123456789abcdef", { orderId: id, position: order.pack, expiresAt: new Date(Date.now() + LINK_TTL_MS) }),
      "",
      "not-a-token",
      `${good}.1`,
      `../${good}`,
    ]) {
      expect(inWordsOf(await takeDownload(get().db, TEST_SECRET, tampered))).toEqual(invalid);
    }
    expect(await downloads(order.orderId, order.pack)).toBe(0);
  });

  it("refuses an unpaid order, a physical line and a product without its file, and counts nothing", async () => {
    const unpaid = await placeOrder(get().db, payram, [["lofi-sound-pack", 1]]);
    expect(await orderDownloads(get().db, unpaid.orderId, TEST_SECRET)).toEqual({ state: "unpaid", orderNumber: unpaid.orderNumber });
    expect(inWordsOf(await takeDownload(get().db, TEST_SECRET, link(unpaid.orderId, 1)))).toMatchObject({ ok: false, status: 404, message: "This order is not paid yet: its downloads are available once it is." });
    expect(await downloads(unpaid.orderId, 1)).toBe(0);

    const order = await paidOrder();
    expect(await takeDownload(get().db, TEST_SECRET, link(order.orderId, order.lamp))).toMatchObject({ ok: false, status: 404, reason: "not_available" });
    expect(await downloads(order.orderId, order.lamp)).toBe(0);

    // The merchant removed the product's file: the line is listed without a link, nothing is counted.
    const productId = await productIdOf(get().db, "lofi-sound-pack");
    const kept = await get().db.selectFrom("products").select(["download_sha256", "download_name"]).where("id", "=", productId).executeTakeFirstOrThrow();
    await get().db.updateTable("products").set({ download_sha256: null }).where("id", "=", productId).execute();
    try {
      expect(inWordsOf(await takeDownload(get().db, TEST_SECRET, link(order.orderId, order.pack)))).toMatchObject({ ok: false, status: 404, message: "The shop has no file for this item at the moment. Please contact the shop." });
      expect(await orderDownloads(get().db, order.orderId, TEST_SECRET)).toMatchObject({ state: "ready", lines: [{ position: order.pack, fileName: null, href: null }] });
      expect(await downloads(order.orderId, order.pack)).toBe(0);
    } finally {
      await get().db.updateTable("products").set(kept).where("id", "=", productId).execute();
    }
  });

  it("follows the product by id, not by its (editable) slug", async () => {
    const order = await paidOrder();
    const productId = await productIdOf(get().db, "lofi-sound-pack");
    await get().db.updateTable("products").set({ slug: "lofi-sound-pack-vol-1" }).where("id", "=", productId).execute();
    try {
      expect(await takeDownload(get().db, TEST_SECRET, link(order.orderId, order.pack))).toMatchObject({ ok: true, fileName: "lofi-sound-pack-readme.txt" });
    } finally {
      await get().db.updateTable("products").set({ slug: "lofi-sound-pack" }).where("id", "=", productId).execute();
    }
  });
});

describe("byte ranges", () => {
  it("reads one range of bytes, and serves several or another unit whole", () => {
    expect(parseRange("bytes=0-99")).toEqual({ start: 0, end: 99 });
    expect(parseRange("bytes=100-")).toEqual({ start: 100, end: null });
    expect(parseRange("bytes=-20")).toEqual({ suffix: 20 });
    for (const whole of [null, "", "bytes=", "bytes=-", "bytes=0-9,20-29", "items=0-9", "bytes=9-0", "bytes=a-b"]) expect(parseRange(whole), String(whole)).toBeNull();
  });

  it("takes what a file of a given size has of a range, or nothing (416)", () => {
    expect(rangeOf({ start: 0, end: 99 }, 50)).toEqual({ start: 0, end: 49 });
    expect(rangeOf({ start: 10, end: null }, 50)).toEqual({ start: 10, end: 49 });
    expect(rangeOf({ suffix: 20 }, 50)).toEqual({ start: 30, end: 49 });
    expect(rangeOf({ suffix: 80 }, 50)).toEqual({ start: 0, end: 49 });
    expect(rangeOf({ start: 50, end: null }, 50)).toBeNull();
    expect(rangeOf({ suffix: 0 }, 50)).toBeNull();
  });
});

describe("download links", () => {
  it("carry the line and expiry, signed with the session secret", () => {
    const expiresAt = new Date("2031-01-01T00:00:00.000Z");
    const token = signDownload(TEST_SECRET, { orderId: "AAAAAAAAAAAAAAAAAAAAAA", position: 3, expiresAt });
    expect(verifyDownload(TEST_SECRET, token, new Date("2030-12-31T23:59:59.000Z"))).toEqual({ ok: true, orderId: "AAAAAAAAAAAAAAAAAAAAAA", position: 3, expiresAt });
    expect(verifyDownload(TEST_SECRET, token, expiresAt)).toEqual({ ok: false, reason: "expired", orderId: "AAAAAAAAAAAAAAAAAAAAAA" });
  });

  it("name the file safely in the Content-Disposition header", () => {
    expect(contentDisposition("guide.txt")).toBe(`attachment; filename="guide.txt"; filename*=UTF-8''guide.txt`);
    expect(contentDisposition("Café 100% (v2).pdf")).toBe(`attachment; filename="Caf_ 100_ (v2).pdf"; filename*=UTF-8''Caf%C3%A9%20100%25%20%28v2%29.pdf`);
  });
});
