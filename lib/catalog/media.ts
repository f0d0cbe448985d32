import { createHash } from "node:crypto";
import { z } from "zod";
import type { Db } from "../db";
import { nowIso, type ProductImagesTable } from "../db/schema";
import { DOWNLOAD_MAX_BYTES, DOWNLOAD_TOO_LARGE, IMAGE_MAX_BYTES, IMAGE_TOO_LARGE } from "../rules/uploads";
import { readCapped } from "../security/request-gate";

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

/**
 * A file field as the product form sends it: the ref (sha256) of a file uploaded first through
 * app/admin/api/uploads, or a small file itself (within the actions' 1 MB). Anything else: none.
 */
export const uploadRefSchema = z
  .union([z.string().regex(/^[0-9a-f]{64}$/).transform((ref) => ({ ref })), uploadSchema])
  .nullable()
  .catch(null);

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

/** What the merchant uploads: an image or a download file (lib/rules/uploads.ts limits). */
export type UploadKind = "image" | "download";

const UPLOAD_LIMITS: Record<UploadKind, { max: number; tooLarge: string }> = {
  image: { max: IMAGE_MAX_BYTES, tooLarge: IMAGE_TOO_LARGE },
  download: { max: DOWNLOAD_MAX_BYTES, tooLarge: DOWNLOAD_TOO_LARGE },
};


export type UploadAnswer = { status: 200; body: { ref: string; name?: string } } | { status: 400 | 411 | 413; body: { error: string } };

/**
 * One file of the product form (app/admin/api/uploads): its declared length checked before a
 * byte is read, the body read with a hard cap, the bytes checked as a form's file would be, then
 * stored (once per content). The answer's `ref` is what the form sends instead of the file.
 * The caller has checked the merchant's session first.
 */
export async function acceptUpload(
  db: Db,
  request: { kind: string | null; contentLength: string | null; name: string | null; body: ReadableStream<Uint8Array> | null },
): Promise<UploadAnswer> {
  if (request.kind !== "image" && request.kind !== "download") return { status: 400, body: { error: "kind must be image or download" } };
  const limit = UPLOAD_LIMITS[request.kind];
  if (request.contentLength === null) return { status: 411, body: { error: "Content-Length is required" } };
  if (!/^\d+$/.test(request.contentLength.trim())) return { status: 400, body: { error: "invalid Content-Length" } };
  if (Number(request.contentLength) > limit.max) return { status: 413, body: { error: limit.tooLarge } };
  const bytes = await readCapped(request.body, limit.max);
  if (!bytes) return { status: 413, body: { error: limit.tooLarge } };
  if (request.kind === "image") {
    const image = await checkImage(new Blob([new Uint8Array(bytes)]));
    if (!image.ok) return { status: 400, body: { error: image.error } };
    await storeImage(db, image.bytes, image.contentType);
    return { status: 200, body: { ref: sha256(image.bytes) } };
  }
  let name = "download";
  try {
    name = downloadName(decodeURIComponent(request.name ?? ""));
  } catch {
    name = downloadName(request.name ?? "");
  }
  const download = await checkDownload(new File([new Uint8Array(bytes)], name));
  if (!download.ok) return { status: 400, body: { error: download.error } };
  return { status: 200, body: { ref: await storeDownload(db, download.bytes), name: download.name } };
}

/** An uploaded image named by its ref (sha256), as the form's file would have been checked. */
export async function storedImage(db: Db, ref: string): Promise<CheckedImage> {
  const row = /^[0-9a-f]{64}$/.test(ref) ? await db.selectFrom("product_images").select(["bytes", "content_type"]).where("sha256", "=", ref).executeTakeFirst() : undefined;
  if (!row) return { ok: false, error: "The uploaded image was not found. Please choose it again." };
  return { ok: true, bytes: Buffer.from(row.bytes), contentType: row.content_type };
}

/** An uploaded download file named by its ref (sha256). */
export async function storedDownload(db: Db, ref: string, name: string): Promise<CheckedDownload> {
  const row = /^[0-9a-f]{64}$/.test(ref) ? await db.selectFrom("product_files").select(["bytes"]).where("sha256", "=", ref).executeTakeFirst() : undefined;
  if (!row) return { ok: false, error: "The uploaded file was not found. Please choose it again." };
  return { ok: true, bytes: Buffer.from(row.bytes), name: downloadName(name) };
}
