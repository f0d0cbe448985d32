import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { Db } from "../db";
import { orderIdSchema } from "./index";
import { said, type Said } from "../i18n/said";

/**
 * Digital lines' downloads. The order's download page (its URL is the order's secret URL plus
 * /downloads: mails link there, never to a file, since mail scanners follow links) hands out
 * signed links that expire; the download route serves a file only for a paid, live order, and
 * counts each file it serves against a limit per line.
 */

/** Files served per digital line. */
export const DOWNLOAD_LIMIT = 5;
/** How long a link from the download page works. */
export const LINK_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** `<order id>.<position>.<expiry, unix seconds>.<HMAC>`: one URL path segment. */
const tokenSchema = z
  .string()
  .max(200)
  .transform((token) => token.split("."))
  .pipe(z.tuple([orderIdSchema, z.string().regex(/^[1-9]\d{0,3}$/), z.string().regex(/^\d{1,12}$/), z.string().regex(/^[A-Za-z0-9_-]{43}$/)]));

function mac(secret: string, orderId: string, position: number, expires: number): string {
  return createHmac("sha256", secret).update(`download:${orderId}:${position}:${expires}`).digest("base64url");
}

export function signDownload(secret: string, link: { orderId: string; position: number; expiresAt: Date }): string {
  const expires = Math.floor(link.expiresAt.getTime() / 1000);
  return `${link.orderId}.${link.position}.${expires}.${mac(secret, link.orderId, link.position, expires)}`;
}

export type TokenCheck = { ok: true; orderId: string; position: number; expiresAt: Date } | { ok: false; reason: "invalid" | "expired"; orderId: string | null };

/** The line a download link names, if its signature is ours and it has not expired. */
export function verifyDownload(secret: string, token: string, now = new Date()): TokenCheck {
  const parsed = tokenSchema.safeParse(token);
  if (!parsed.success) return { ok: false, reason: "invalid", orderId: null };
  const [orderId, positionText, expiresText, given] = parsed.data;
  const position = Number(positionText);
  const expires = Number(expiresText);
  const expected = Buffer.from(mac(secret, orderId, position, expires));
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return { ok: false, reason: "invalid", orderId: null };
  if (expires * 1000 <= now.getTime()) return { ok: false, reason: "expired", orderId };
  return { ok: true, orderId, position, expiresAt: new Date(expires * 1000) };
}

export interface DownloadLine {
  position: number;
  name: string;
  quantity: number;
  /** The name the file is saved under; null: the shop has no file for this product (yet). */
  fileName: string | null;
  size: number | null;
  downloads: number;
  remaining: number;
  /** A signed link to the file, while there is a file and downloads are left. */
  href: string | null;
}

export type DownloadsView =
  | { state: "not_found" }
  | { state: "unpaid" | "cancelled"; orderNumber: number }
  | { state: "ready"; orderNumber: number; lines: DownloadLine[]; linksExpireAt: Date };

/** What the download page lists: the digital lines of a paid order, with their files and fresh links. */
export async function orderDownloads(db: Db, orderId: string, secret: string, now = new Date()): Promise<DownloadsView> {
  if (!orderIdSchema.safeParse(orderId).success) return { state: "not_found" };
  const order = await db.selectFrom("orders").select(["number", "paid_at", "cancelled_at"]).where("id", "=", orderId).executeTakeFirst();
  if (!order) return { state: "not_found" };
  if (order.cancelled_at !== null) return { state: "cancelled", orderNumber: order.number };
  if (order.paid_at === null) return { state: "unpaid", orderNumber: order.number };
  const rows = await db
    .selectFrom("order_items")
    .leftJoin("products", "products.id", "order_items.product_id")
    .leftJoin("product_files", "product_files.sha256", "products.download_sha256")
    .select(["order_items.position", "order_items.name", "order_items.quantity", "order_items.downloads", "products.download_name", "product_files.size"])
    .where("order_items.order_id", "=", orderId)
    .where("order_items.ships", "=", 0)
    .orderBy("order_items.position")
    .execute();
  const linksExpireAt = new Date(now.getTime() + LINK_TTL_MS);
  return {
    state: "ready",
    orderNumber: order.number,
    linksExpireAt,
    lines: rows.map((row) => {
      const remaining = Math.max(0, DOWNLOAD_LIMIT - row.downloads);
      const hasFile = row.size !== null;
      return {
        position: row.position,
        name: row.name,
        quantity: row.quantity,
        fileName: hasFile ? fileNameOf(row.download_name) : null,
        size: row.size,
        downloads: row.downloads,
        remaining,
        href: hasFile && remaining > 0 ? `/api/downloads/${signDownload(secret, { orderId, position: row.position, expiresAt: linksExpireAt })}` : null,
      };
    }),
  };
}

/**
 * What a request asks of the file. A GET without a range is a download, and is counted; HEAD
 * (headers only) never is; a range is a download when it starts at the first byte, and a
 * resumption of one already counted when it starts later.
 */
export type DownloadAsk = { kind: "whole" } | { kind: "head" } | { kind: "range"; range: ByteRange; ifRange: string | null };

/** A single byte range as a Range header names it: `start-end`, `start-` or the last `suffix` bytes. */
export type ByteRange = { start: number; end: number | null } | { suffix: number };

/**
 * The one range of a `Range: bytes=…` header, or null for no range or one this route serves
 * whole (several ranges, another unit: RFC 9110 lets a server answer those with the whole file).
 */
export function parseRange(header: string | null): ByteRange | null {
  const match = header === null ? null : /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return null;
  if (match[1] === "") return { suffix: Number(match[2]) };
  const start = Number(match[1]);
  const end = match[2] === "" ? null : Number(match[2]);
  return end !== null && end < start ? null : { start, end };
}

/** The bytes a range takes of a file of `size` bytes (inclusive end), or null when none (416). */
export function rangeOf(range: ByteRange, size: number): { start: number; end: number } | null {
  if ("suffix" in range) return range.suffix === 0 || size === 0 ? null : { start: Math.max(0, size - range.suffix), end: size - 1 };
  if (range.start >= size) return null;
  return { start: range.start, end: Math.min(size - 1, range.end ?? size - 1) };
}

/**
 * Whether serving `ask` counts against the limit: the whole file, a range from its first byte, or
 * any part of a file never downloaded. HEAD, a range that takes nothing (answered 416) and a
 * range that resumes a counted download do not.
 */
function counts(ask: DownloadAsk, size: number, downloadsSoFar: number): boolean {
  if (ask.kind === "head") return false;
  if (ask.kind === "whole") return true;
  const bytes = rangeOf(ask.range, size);
  return bytes !== null && (bytes.start === 0 || downloadsSoFar === 0);
}

export type DownloadOutcome =
  /** `range`: the part to serve (206, or 416 when rangeOf finds none); null: the whole file. */
  | { ok: true; bytes: Buffer; contentType: string; fileName: string; etag: string; range: ByteRange | null }
  | { ok: false; status: 403 | 404; reason: "invalid" | "expired" | "not_available" | "limit"; message: Said; orderId: string | null };

/**
 * Serves a download link: the signature and expiry, then a paid order that is not cancelled, a
 * digital line whose product has a file, then one more download counted (only under the limit,
 * in the same statement that checks it) and the file's bytes. Nothing is counted unless the
 * file is there to be served, nor for HEAD, nor for a range that resumes a download already
 * counted (served even at the limit: the download it resumes was allowed).
 */
export async function takeDownload(db: Db, secret: string, token: string, now = new Date(), ask: DownloadAsk = { kind: "whole" }): Promise<DownloadOutcome> {
  const link = verifyDownload(secret, token, now);
  if (!link.ok) {
    return link.reason === "expired"
      ? { ok: false, status: 403, reason: "expired", message: said("downloadExpired"), orderId: link.orderId }
      : { ok: false, status: 404, reason: "invalid", message: said("downloadInvalid"), orderId: null };
  }
  const { orderId, position } = link;
  return db.transaction().execute(async (trx): Promise<DownloadOutcome> => {
    const notAvailable = (message: Said): DownloadOutcome => ({ ok: false, status: 404, reason: "not_available", message, orderId });
    const order = await trx.selectFrom("orders").select(["paid_at", "cancelled_at"]).where("id", "=", orderId).executeTakeFirst();
    if (!order) return notAvailable(said("downloadUnknown"));
    if (order.cancelled_at !== null) return notAvailable(said("downloadCancelled"));
    if (order.paid_at === null) return notAvailable(said("downloadNotPaid"));
    const file = await trx
      .selectFrom("order_items")
      .innerJoin("products", "products.id", "order_items.product_id")
      .innerJoin("product_files", "product_files.sha256", "products.download_sha256")
      .select(["product_files.bytes", "product_files.content_type", "product_files.sha256", "products.download_name", "order_items.downloads"])
      .where("order_items.order_id", "=", orderId)
      .where("order_items.position", "=", position)
      .where("order_items.ships", "=", 0)
      .executeTakeFirst();
    if (!file) return notAvailable(said("downloadNoFile"));
    const etag = `"${file.sha256}"`;
    // If-Range names another version of the file: the range is not of this one, the whole file is served (and counted).
    if (ask.kind === "range" && ask.ifRange !== null && ask.ifRange !== etag) ask = { kind: "whole" };
    const served: DownloadOutcome = { ok: true, bytes: Buffer.from(file.bytes), contentType: file.content_type, fileName: fileNameOf(file.download_name), etag, range: ask.kind === "range" ? ask.range : null };
    const limitReached: DownloadOutcome = { ok: false, status: 403, reason: "limit", message: said("downloadLimit", { limit: DOWNLOAD_LIMIT }), orderId };
    // HEAD answers as a download would; a resumption is served even at the limit (its download was allowed).
    if (!counts(ask, served.bytes.length, file.downloads)) return ask.kind === "head" && file.downloads >= DOWNLOAD_LIMIT ? limitReached : served;
    const counted = await trx
      .updateTable("order_items")
      .set((eb) => ({ downloads: eb("downloads", "+", 1) }))
      .where("order_id", "=", orderId)
      .where("position", "=", position)
      .where("downloads", "<", DOWNLOAD_LIMIT)
      .executeTakeFirst();
    if (Number(counted.numUpdatedRows) === 0) return limitReached;
    return served;
  });
}

/** The stored name made safe for a Content-Disposition header (lib/catalog/media.ts cleaned it already). */
function fileNameOf(name: string | null): string {
  const clean = (name ?? "")
    .replace(/[\p{Cc}"\\/<>:|?*;]/gu, "")
    .trim()
    .slice(-120);
  return clean || "download";
}

/** `attachment`, with an ASCII name for old clients and the exact one (RFC 6266/5987) for the rest. */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, "_").replace(/[%"\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
