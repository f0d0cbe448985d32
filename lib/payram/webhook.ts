import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";

/**
 * Authenticating PayRam's notifications (contract §4). Current servers sign the raw body:
 * `X-Payram-Signature: sha256=<hex HMAC-SHA256(body, API key)>`; older ones send only the key in
 * `API-Key`. Every comparison is constant-time, length first. There is no separate secret.
 */
export type WebhookAuth = { ok: true; by: "signature" | "api_key" } | { ok: false; reason: string };

export interface WebhookCredentials {
  signature: string | null;
  apiKey: string | null;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function signWebhookBody(body: Uint8Array, key: string): string {
  return `sha256=${createHmac("sha256", key).update(body).digest("hex")}`;
}

/**
 * A present signature must match one of the keys (a key rotation keeps the old one listed);
 * a wrong signature is refused even when a valid legacy key comes with it.
 */
export function authenticateWebhook(
  body: Uint8Array,
  given: WebhookCredentials,
  keys: readonly string[],
  options: { requireSignature: boolean },
): WebhookAuth {
  if (given.signature !== null) {
    const signature = given.signature.trim().toLowerCase();
    if (!/^sha256=[0-9a-f]{64}$/.test(signature)) return { ok: false, reason: "malformed X-Payram-Signature" };
    const valid = keys.some((key) => sameSecret(signature, signWebhookBody(body, key)));
    return valid ? { ok: true, by: "signature" } : { ok: false, reason: "wrong X-Payram-Signature" };
  }
  if (options.requireSignature) return { ok: false, reason: "no X-Payram-Signature (a signature is required)" };
  if (given.apiKey === null) return { ok: false, reason: "no X-Payram-Signature and no API-Key" };
  const apiKey = given.apiKey.trim();
  return keys.some((key) => sameSecret(apiKey, key)) ? { ok: true, by: "api_key" } : { ok: false, reason: "wrong API-Key" };
}

/** What the shop reads of a delivery: enough to find the payment. PayRam's GET is the truth. */
const id = z.union([z.string().trim().min(1).max(200), z.number().int().nonnegative().transform(String)]);
export const webhookPayloadSchema = z.looseObject({
  reference_id: id.nullish(),
  invoice_id: id.nullish(),
  event_type: z.string().max(100).nullish(),
  status: z.string().max(100).nullish(),
});

export interface WebhookNotice {
  referenceId: string | null;
  invoiceId: string | null;
  eventType: string | null;
  status: string | null;
}

export function readWebhookPayload(json: unknown): WebhookNotice | null {
  const parsed = webhookPayloadSchema.safeParse(json);
  if (!parsed.success) return null;
  return {
    referenceId: parsed.data.reference_id ?? null,
    invoiceId: parsed.data.invoice_id ?? null,
    eventType: parsed.data.event_type ?? null,
    status: parsed.data.status ?? null,
  };
}
