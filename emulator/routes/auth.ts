import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** Constant-time check of the API-Key header (node lower-cases header names). */
export function hasValidApiKey(req: IncomingMessage, apiKey: string): boolean {
  const given = req.headers["api-key"];
  if (typeof given !== "string" || given.length === 0) return false;
  // Hashing first gives equal lengths, so timingSafeEqual never leaks the key's length.
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(given), digest(apiKey));
}
