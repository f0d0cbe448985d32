import { createHash } from "node:crypto";
import { z } from "zod";
import type { Db } from "../db";
import { nowIso, type ProductImagesTable } from "../db/schema";
import { DOWNLOAD_MAX_BYTES, DOWNLOAD_TOO_LARGE, IMAGE_MAX_BYTES, IMAGE_TOO_LARGE } from "../rules/uploads";

/**
 * Product images and download files, uploaded by the merchant and kept in the database (every
 * instance serves them). An image is named by its content's sha256 (/media/<sha256>.<ext>): a
 * changed image is a new URL, so each URL can be cached for good.
 */

export { DOWNLOAD_MAX_BYTES, IMAGE_MAX_BYTES } from "../rules/uploads";

export type ImageType = ProductImagesTable["content_type"];

const EXTENSIONS: Record<ImageType, "png" | "jpg" | "webp"> = { "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp" };

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0) => prefix.every((byte, i) => bytes[at + i] === byte);
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

/**
 * The image type the bytes themselves say, or null. Never the file's name or the browser's type:
 * those are the uploader's word. SVG is refused on purpose (it can run script on our origin).
 */
export function sniffImage(bytes: Uint8Array): ImageType | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(bytes, ascii("RIFF")) && startsWith(bytes, ascii("WEBP"), 8)) return "image/webp";
  return null;
}

/** A download's type, for the few the bytes make certain; anything else is served as bytes. */
function sniffDownload(bytes: Uint8Array): string {
  if (startsWith(bytes, ascii("%PDF-"))) return "application/pdf";
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return "application/zip";
  return sniffImage(bytes) ?? "application/octet-stream";
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/**
 * A file field as a server action receives it. A file input with nothing chosen still sends an
 * empty part (whose name the multipart parser may fill in): no bytes is no upload.
 */
export const uploadSchema = z
  .instanceof(File)
  .nullable()
  .catch(null)
  .transform((file) => (file && file.size > 0 ? file : null));

export type CheckedImage = { ok: true; bytes: Buffer; contentType: ImageType } | { ok: false; error: string };

export async function checkImage(file: Blob): Promise<CheckedImage> {
  if (file.size > IMAGE_MAX_BYTES) return { ok: false, error: IMAGE_TOO_LARGE };
  if (file.size === 0) return { ok: false, error: "The image file is empty." };
  const bytes = Buffer.from(await file.arrayBuffer());
  const contentType = sniffImage(bytes);
  if (!contentType) return { ok: false, error: "The image must be a PNG, JPEG or WebP file (SVG and other formats are not accepted)." };
  return { ok: true, bytes, contentType };
}

export type CheckedDownload = { ok: true; bytes: Buffer; name: string } | { ok: false; error: string };

export async function checkDownload(file: File): Promise<CheckedDownload> {
  if (file.size > DOWNLOAD_MAX_BYTES) return { ok: false, error: DOWNLOAD_TOO_LARGE };
  if (file.size === 0) return { ok: false, error: "The file is empty." };
  return { ok: true, bytes: Buffer.from(await file.arrayBuffer()), name: downloadName(file.name) };
}

/**
 * The name a buyer's download gets: the uploaded file's base name (some browsers send a path),
 * without control characters or characters that mean something in a path or a header.
 */
export function downloadName(uploaded: string): string {
  const base = uploaded.split(/[\\/]/).pop() ?? "";
  const clean = base
    .replace(/[\p{Cc}"<>:|?*;]/gu, "")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^\.+/, "")
    .slice(-120);
  return clean || "download";
}

export function imageUrl(hash: string, contentType: ImageType): string {
  return `/media/${hash}.${EXTENSIONS[contentType]}`;
}

/** Stores an image (once per content) and returns its URL. */
export async function storeImage(db: Db, bytes: Buffer, contentType: ImageType): Promise<string> {
  const hash = sha256(bytes);
  await db
    .insertInto("product_images")
    .values({ sha256: hash, content_type: contentType, size: bytes.length, bytes, created_at: nowIso() })
    .onConflict((oc) => oc.column("sha256").doNothing())
    .execute();
  return imageUrl(hash, contentType);
}

/** Stores a download file (once per content) and returns its sha256. */
export async function storeDownload(db: Db, bytes: Buffer): Promise<string> {
  const hash = sha256(bytes);
  await db
    .insertInto("product_files")
    .values({ sha256: hash, content_type: sniffDownload(bytes), size: bytes.length, bytes, created_at: nowIso() })
    .onConflict((oc) => oc.column("sha256").doNothing())
    .execute();
  return hash;
}

/** The /media/[file] route's parameter: a sha256 and the extension of an accepted image type. */
export const mediaNameSchema = z
  .string()
  .regex(/^[0-9a-f]{64}\.(png|jpg|webp)$/)
  .transform((name) => {
    const [hash, extension] = name.split(".") as [string, string];
    return { hash, extension };
  });

/** The stored image this name asks for, or null (unknown hash, or an extension that is not its type). */
export async function findImage(db: Db, name: string): Promise<{ bytes: Buffer; contentType: ImageType } | null> {
  const parsed = mediaNameSchema.safeParse(name);
  if (!parsed.success) return null;
  const row = await db
    .selectFrom("product_images")
    .select(["bytes", "content_type"])
    .where("sha256", "=", parsed.data.hash)
    .executeTakeFirst();
  if (!row || EXTENSIONS[row.content_type] !== parsed.data.extension) return null;
  return { bytes: Buffer.from(row.bytes), contentType: row.content_type };
}
