/**
 * What the merchant's product form may upload, stated once for the server (lib/catalog/media.ts
 * checks every file) and the browser (the form refuses a file over its limit before sending it,
 * with the same words). Pure and browser-safe.
 */

export const IMAGE_MAX_BYTES = 2 * 1024 * 1024;
export const DOWNLOAD_MAX_BYTES = 8 * 1024 * 1024;

const megabytes = (bytes: number) => `${bytes / (1024 * 1024)} MB`;

export const IMAGE_TOO_LARGE = `The image is larger than ${megabytes(IMAGE_MAX_BYTES)}. Choose a smaller one.`;
export const DOWNLOAD_TOO_LARGE = `The file is larger than ${megabytes(DOWNLOAD_MAX_BYTES)}.`;

/** The field error of each file over its limit (sizes in bytes; 0 when no file was chosen). */
export function uploadSizeErrors(sizes: { image: number; download: number }): Partial<Record<"image" | "download", string>> {
  return {
    ...(sizes.image > IMAGE_MAX_BYTES && { image: IMAGE_TOO_LARGE }),
    ...(sizes.download > DOWNLOAD_MAX_BYTES && { download: DOWNLOAD_TOO_LARGE }),
  };
}
