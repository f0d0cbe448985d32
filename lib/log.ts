import { pino } from "pino";
import { z } from "zod";

/**
 * Structured JSON logs (one object a line, on stdout). Secrets and personal data never reach
 * them: the redact list covers the names they could travel under, and callers log ids and
 * verdicts, never payloads, emails or headers.
 */
// Read here, not in lib/config.ts: modules log from import time on, before the configuration is
// validated at start. An unknown level falls back to the default rather than stopping the shop.
const level = z
  .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
  .catch(process.env.NODE_ENV === "test" ? "silent" : "info")
  .parse(process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"));

export const log = pino({
  level,
  base: { service: "payram-storefront" },
  timestamp: pino.stdTimeFunctions.isoTime,
  redact: {
    paths: [
      "apiKey",
      "*.apiKey",
      "headers",
      "*.headers",
      "cookie",
      "*.cookie",
      "email",
      "*.email",
      "customerEmail",
      "*.customerEmail",
      "password",
      "sessionSecret",
      "body",
      "*.body",
    ],
    censor: "[redacted]",
  },
});

/** Milliseconds since `started` (from performance.now()), rounded for logs. */
export function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
