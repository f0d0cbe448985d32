import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { readCapped } from "../security/request-gate";
import { acceptUpload, checkDownload, checkImage, downloadName, DOWNLOAD_MAX_BYTES, findImage, IMAGE_MAX_BYTES, sniffImage, storedDownload, storedImage, storeImage } from "./media";

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A real 1×1 PNG of the given colour, made from its bytes. */
function tinyPng(rgb: [number, number, number] = [51, 102, 204]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(1, 0); // width
  header.writeUInt32BE(1, 4); // height
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.from([0, ...rgb]))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** A real 1×1 baseline JPEG (the smallest well-known one). */
const TINY_JPEG = Buffer.from(
  "ffd8ffe000104a46494600010101004800480000ffdb004300030202020203020202030303030406040404040408060605060908" +
    "0a0a090809090a0c0f0c0a0b0e0b09090d110d0e0f101011100a0c12131210130f101010ffc9000b080001000101011100ffcc00" +
    "0600101005ffda0008010100003f00d2cf20ffd9",
  "hex",
);

/** A real 1×1 lossless WebP. */
const TINY_WEBP = Buffer.from("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==", "base64");

const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');

const file = (bytes: Uint8Array, name: string, type = "") => new File([new Uint8Array(bytes)], name, { type });

describe("images are known by their bytes", () => {
  it.each([
    ["PNG", tinyPng(), "image/png"],
    ["JPEG", TINY_JPEG, "image/jpeg"],
    ["WebP", TINY_WEBP, "image/webp"],
  ] as const)("a %s is accepted as %s", async (_kind, bytes, type) => {
    expect(sniffImage(bytes)).toBe(type);
    // Whatever the file is called and whatever the browser says it is.
    const checked = await checkImage(file(bytes, "photo.svg", "image/svg+xml"));
    expect(checked).toMatchObject({ ok: true, contentType: type });
  });

  it.each([
    ["an SVG", SVG, "logo.svg", "image/svg+xml"],
    ["a text file named .png", Buffer.from("just some text, not an image"), "photo.png", "image/png"],
    ["a GIF", Buffer.from("GIF89a\x01\x00\x01\x00", "latin1"), "anim.gif", "image/gif"],
    ["a RIFF file that is not WebP", Buffer.from("RIFF\x04\x00\x00\x00WAVE", "latin1"), "a.webp", "image/webp"],
  ])("%s is refused", async (_what, bytes, name, type) => {
    expect(await checkImage(file(bytes, name, type))).toEqual({
      ok: false,
      error: "The image must be a PNG, JPEG or WebP file (SVG and other formats are not accepted).",
    });
  });

  it("an image over 2 MB is refused, one of exactly 2 MB is not", async () => {
    const padded = (size: number) => Buffer.concat([tinyPng(), Buffer.alloc(size - tinyPng().length)]);
    expect(await checkImage(file(padded(IMAGE_MAX_BYTES + 1), "big.png"))).toEqual({ ok: false, error: "The image is larger than 2 MB. Choose a smaller one." });
    expect(await checkImage(file(padded(IMAGE_MAX_BYTES), "big.png"))).toMatchObject({ ok: true });
  });

  it("a download may be any file up to 8 MB", async () => {
    expect(await checkDownload(file(Buffer.alloc(DOWNLOAD_MAX_BYTES + 1), "huge.zip"))).toEqual({ ok: false, error: "The file is larger than 8 MB." });
    expect(await checkDownload(file(Buffer.alloc(DOWNLOAD_MAX_BYTES, 1), "pack.zip"))).toMatchObject({ ok: true, name: "pack.zip" });
    expect(await checkDownload(file(Buffer.alloc(0), "empty.txt"))).toEqual({ ok: false, error: "The file is empty." });
  });

  it.each([
    ["C:\\Users\\ada\\Sound Pack v2.zip", "Sound Pack v2.zip"],
    ["../../etc/passwd", "passwd"],
    ['bad"name\u0000;.pdf', "badname.pdf"],
    [".hidden", "hidden"],
    ["", "download"],
  ])("download name %j becomes %j", (uploaded, name) => {
    expect(downloadName(uploaded)).toBe(name);
  });
});

describeOnEachDatabase("stored images", (get) => {
  it("are stored once per content and found by their URL's name only with the right extension", async () => {
    const { db } = get();
    const png = tinyPng([1, 2, 3]);
    const url = await storeImage(db, png, "image/png");
    expect(url).toMatch(/^\/media\/[0-9a-f]{64}\.png$/);
    expect(await storeImage(db, png, "image/png")).toBe(url);
    const name = url.slice("/media/".length);
    const found = await findImage(db, name);
    expect(found?.contentType).toBe("image/png");
    expect(Buffer.compare(found!.bytes, png)).toBe(0);
    expect(await findImage(db, name.replace(".png", ".jpg"))).toBeNull();
    expect(await findImage(db, `${"0".repeat(64)}.png`)).toBeNull();
    for (const bad of ["../x.png", `${name}/`, name.toUpperCase(), `${name}.svg`, ""]) expect(await findImage(db, bad)).toBeNull();
  });
});

/** A body that counts what was pulled from it (an endless one when `total` is Infinity). */
function countingBody(total: number, chunkSize = 64 * 1024) {
  const pulled = { bytes: 0, cancelled: false };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled.bytes >= total) return controller.close();
      const size = Math.min(chunkSize, total - pulled.bytes);
      pulled.bytes += size;
      controller.enqueue(new Uint8Array(size).fill(7));
    },
    cancel() {
      pulled.cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { body, pulled };
}

describe("readCapped", () => {
  it("reads a body to its end within the cap, and stops just past the cap", async () => {
    expect((await readCapped(countingBody(1000).body, 1000))?.length).toBe(1000);
    const endless = countingBody(Infinity);
    expect(await readCapped(endless.body, 256 * 1024)).toBeNull();
    expect(endless.pulled.bytes).toBeLessThanOrEqual(256 * 1024 + 64 * 1024);
    expect(endless.pulled.cancelled).toBe(true);
  });
});

describeOnEachDatabase("uploads (app/admin/api/uploads)", (get) => {
  const upload = (kind: string | null, bytes: Buffer | { body: ReadableStream<Uint8Array> }, contentLength?: string | null, name: string | null = null) => {
    const body = Buffer.isBuffer(bytes) ? new Blob([new Uint8Array(bytes)]).stream() : bytes.body;
    const length = contentLength === undefined ? (Buffer.isBuffer(bytes) ? String(bytes.length) : null) : contentLength;
    return acceptUpload(get().db, { kind, contentLength: length, name, body });
  };

  it("stores an image within its limit and answers its ref, which the product form then names", async () => {
    const png = tinyPng([9, 9, 9]);
    const answer = await upload("image", png);
    expect(answer).toEqual({ status: 200, body: { ref: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    const ref = (answer.body as { ref: string }).ref;
    expect(await storedImage(get().db, ref)).toEqual({ ok: true, bytes: png, contentType: "image/png" });
    expect(await storedImage(get().db, "0".repeat(64))).toMatchObject({ ok: false });
  });

  it("stores a download file with its cleaned name", async () => {
    const answer = await upload("download", Buffer.from("%PDF-1.7 hello"), undefined, encodeURIComponent("C:\\stuff\\Guide \"v2\".pdf"));
    expect(answer).toEqual({ status: 200, body: { ref: expect.stringMatching(/^[0-9a-f]{64}$/), name: "Guide v2.pdf" } });
    expect(await storedDownload(get().db, (answer.body as { ref: string }).ref, "Guide v2.pdf")).toMatchObject({ ok: true, name: "Guide v2.pdf" });
  });

  it("refuses a declared length over the limit without reading a byte, with the form's own words", async () => {
    const big = countingBody(Infinity);
    expect(await upload("image", big, String(IMAGE_MAX_BYTES + 1))).toEqual({ status: 413, body: { error: "The image is larger than 2 MB. Choose a smaller one." } });
    expect(big.pulled.bytes).toBe(0);
    const huge = countingBody(Infinity);
    expect(await upload("download", huge, String(DOWNLOAD_MAX_BYTES + 1))).toEqual({ status: 413, body: { error: "The file is larger than 8 MB." } });
    expect(huge.pulled.bytes).toBe(0);
  });

  it("stops reading a body that runs past its declared length and the limit", async () => {
    const liar = countingBody(Infinity);
    expect(await upload("image", liar, "10")).toMatchObject({ status: 413 });
    expect(liar.pulled.bytes).toBeLessThanOrEqual(IMAGE_MAX_BYTES + 64 * 1024);
  });

  it("refuses what the form's checks refuse, an unknown kind and a missing length", async () => {
    expect(await upload("image", Buffer.from("<svg/>"))).toMatchObject({ status: 400, body: { error: expect.stringContaining("PNG, JPEG or WebP") } });
    expect(await upload("image", Buffer.alloc(0))).toMatchObject({ status: 400 });
    expect(await upload("script", tinyPng())).toMatchObject({ status: 400 });
    expect(await upload("image", countingBody(10), null)).toMatchObject({ status: 411 });
  });
});
