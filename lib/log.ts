import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { trace } from "@opentelemetry/api";
import { pino } from "pino";
import { z } from "zod";
import { processWide } from "./process-wide";

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

// One store for the process: every bundled copy of this module (Next.js makes several) sees the id.
const requestIds = processWide("request-ids", () => new AsyncLocalStorage<string>());

export const log = pino({
  level,
  // Every line written while a request is handled carries its id (see inRequest).
  mixin: () => {
    const requestId = requestIds.getStore();
    return requestId === undefined ? {} : { requestId };
  },
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

/** An error's message for a log line (never its stack, which may quote request data). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Milliseconds since `started` (from performance.now()), rounded for logs. */
export function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

/**
 * Runs a request's work so that every log line it writes carries one request id: the one the
 * reverse proxy sent in X-Request-Id when it looks like an id, else a new one.
 */
export function inRequest<T>(headers: Headers, work: () => Promise<T>): Promise<T> {
  const given = requestIdSchema.safeParse(headers.get("x-request-id"));
  const requestId = given.success ? given.data : randomUUID();
  // The request's span (Next.js's, when tracing is on) carries the id too (lib/tracing.ts).
  trace.getActiveSpan()?.setAttribute("request.id", requestId);
  return requestIds.run(requestId, work);
}

/** The id of the request being handled, if any (see inRequest). */
export function currentRequestId(): string | undefined {
  return requestIds.getStore();
}

const requestIdSchema = z.string().regex(/^[\w.:-]{1,100}$/);
