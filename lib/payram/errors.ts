import { z } from "zod";

/**
 * Why a call to PayRam failed, in the app's terms. Messages are safe to log and to show the
 * merchant: they never contain the API key (it only ever travels in a request header).
 */
export type PayramFailure =
  | "timeout" // no answer in time: the request may still have taken effect
  | "network" // could not connect, or the connection broke
  | "unauthorized" // 401/403: the API key is wrong
  | "invalid_request" // 400/404/422: PayRam refused what we sent
  | "rate_limited" // 429
  | "server" // 5xx
  | "refused" // 200 with an error body, e.g. {"code":5,"message":"no wallet configured"}
  | "invalid_response"; // an answer we cannot read

export class PayramError extends Error {
  constructor(
    readonly failure: PayramFailure,
    message: string,
    readonly status?: number,
    /** PayRam's own error code when its answer named one (e.g. "EXCHANGE_RATE_UNAVAILABLE"). */
    readonly code?: string,
  ) {
    super(message);
    this.name = "PayramError";
  }

  /** True when PayRam may have acted on the request although we saw no success. */
  get outcomeUnknown(): boolean {
    return this.failure === "timeout" || this.failure === "network" || this.failure === "server" || this.failure === "invalid_response";
  }
}

/** PayRam's three error envelopes: {"error":{"code","message"}}, {"code","message"}, {"error":"text"}. */
const errorEnvelope = z.union([
  z.object({ error: z.object({ code: z.union([z.string(), z.number()]).optional(), message: z.string().optional() }) }),
  z.object({ error: z.string() }),
  z.object({ code: z.union([z.string(), z.number()]), message: z.string().optional() }),
]);

/** The error a body carries, if it is one of PayRam's envelopes; otherwise null. */
export function readErrorEnvelope(body: unknown): { code?: string; message?: string } | null {
  const parsed = errorEnvelope.safeParse(body);
  if (!parsed.success) return null;
  const value = parsed.data;
  if ("error" in value) {
    if (typeof value.error === "string") return { message: value.error };
    return { code: value.error.code?.toString(), message: value.error.message };
  }
  return { code: value.code.toString(), message: value.message };
}

export function failureForStatus(status: number): PayramFailure {
  if (status === 401 || status === 403) return "unauthorized";
  if (status === 429) return "rate_limited";
  if (status >= 500) return "server";
  return "invalid_request";
}

/** One line for logs and the merchant: "PayRam answered 500 (code 5: no wallet configured)". */
export function describeErrorAnswer(status: number, body: unknown): string {
  const envelope = readErrorEnvelope(body);
  const detail = envelope
    ? [envelope.code !== undefined ? `code ${envelope.code}` : null, envelope.message].filter(Boolean).join(": ")
    : null;
  return `PayRam answered ${status}${detail ? ` (${detail.slice(0, 200)})` : ""}`;
}
