import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { parseOptionalCents } from "../rules/money";
import { readConfirmations, type Confirmations } from "./client";

/**
 * Reading PayRam's notifications (README, "How an order learns it was paid"): every header, field and payload shape of a
 * webhook ends here, and the shop gets a WebhookReading. Current servers sign the raw body:
 * `X-Payram-Signature: sha256=<hex HMAC-SHA256(body, API key)>`; older ones send only the key in
 * `API-Key`. Every comparison is constant-time, length first. There is no separate secret.
 */
const SIGNATURE_HEADER = "x-payram-signature";
const API_KEY_HEADER = "api-key";
const TEST_HEADER = "x-webhook-test";

export type WebhookAuthMethod = "signature" | "api_key";

export interface WebhookRequest {
  method: string;
  headers: Headers;
  /** The raw body bytes (a GET's never reach the app). */
  body: Uint8Array;
  query: URLSearchParams;
}

export interface WebhookKeys {
  /** Keys whose signature or plain key a delivery may carry (a rotation keeps the old one listed). */
  keys: readonly string[];
  /** Refuse deliveries that carry only the legacy plain key. */
  requireSignature: boolean;
}

/** What a delivery says, for the delivery log. PayRam's GET is the truth about the payment. */
export interface WebhookNotice {
  referenceId: string | null;
  invoiceId: string | null;
  eventType: string | null;
  status: string | null;
  customerId: string | null;
  customerEmail: string | null;
  /** What it claims arrived, in USD cents (rounded half up as the GET's), and the confirmations: compared with what the shop holds to spare PayRam a call. */
  filledCents: number | null;
  confirmations: Confirmations | null;
  /** A payout event's payout (`payout_id`): the refund it is about. */
  payoutId?: string | null;
}

/**
 * Which payment a notification is about. A reference may come with the customer PayRam holds it
 * for: a reference the shop never opened (a top-up) is then adopted by that customer's order.
 */
export type PaymentMatch = { referenceId: string; invoiceId?: string; customer?: { id: string; email: string | null } } | { invoiceId: string };

export type WebhookReading =
  /** PayRam's dashboard test: to be acknowledged with no side effect. */
  | { kind: "ping" }
  /** Not authentically PayRam's. */
  | { kind: "refused"; reason: string }
  /** Authentic but not a notification the shop can act on; `reason` is fit to answer with. */
  | { kind: "malformed"; auth: WebhookAuthMethod; reason: string; notice: WebhookNotice | null }
  /** A payout event sharing the endpoint: acknowledged, never a payment. */
  | { kind: "payout"; auth: WebhookAuthMethod; notice: WebhookNotice }
  /** About payments: the one named, or (a GET naming none, the seed's form) every open one. */
  | { kind: "payment"; auth: WebhookAuthMethod; notice: WebhookNotice; names: PaymentMatch | null };

export function signWebhookBody(body: Uint8Array, key: string): string {
  return `sha256=${createHmac("sha256", key).update(body).digest("hex")}`;
}

/** How the merchant is told a delivery was authenticated. */
export function describeWebhookAuth(by: WebhookAuthMethod): string {
  return by === "api_key" ? "API-Key" : "signature";
}

export function readWebhook(request: WebhookRequest, options: WebhookKeys): WebhookReading {
  // Reading A's test ping is unsigned: acknowledged before authentication.
  if (request.headers.get(TEST_HEADER)?.trim().toLowerCase() === "true") return { kind: "ping" };
  const method = request.method.toUpperCase();
  const apiKey = request.headers.get(API_KEY_HEADER);
  const auth = authenticate(
    request.body,
    // A GET's body never arrives, so neither can a signature over it: only its API-Key counts.
    { signature: method === "POST" ? request.headers.get(SIGNATURE_HEADER) : null, apiKey },
    options,
  );
  if (!auth.ok) return { kind: "refused", reason: auth.reason };

  let json: unknown;
  if (method === "POST") {
    try {
      json = JSON.parse(Buffer.from(request.body).toString("utf8"));
    } catch {
      json = undefined;
    }
  } else {
    json = { reference_id: request.query.get("reference_id"), invoice_id: request.query.get("invoice_id") };
  }
  const notice = json === undefined ? null : readPayload(json);
  const names: PaymentMatch | null = notice?.referenceId
    ? {
        referenceId: notice.referenceId,
        ...(notice.invoiceId ? { invoiceId: notice.invoiceId } : {}),
        ...(notice.customerId ? { customer: { id: notice.customerId, email: notice.customerEmail } } : {}),
      }
    : notice?.invoiceId
      ? { invoiceId: notice.invoiceId }
      : null;
  const payout = notice?.eventType?.toLowerCase().startsWith("payout.") ?? false;

  // Reading B's test ping: signed, with an empty API-Key header. Only a verified signature makes
  // it one, and never when it names a payment (that is news, and is synced).
  if (auth.by === "signature" && apiKey !== null && apiKey.trim() === "" && (names === null || payout)) return { kind: "ping" };

  if (json === undefined) return { kind: "malformed", auth: auth.by, reason: "body is not JSON", notice: null };
  if (!notice) return { kind: "malformed", auth: auth.by, reason: "payload is not a PayRam notification", notice: null };
  if (payout) return { kind: "payout", auth: auth.by, notice };
  if (!names && method === "POST") return { kind: "malformed", auth: auth.by, reason: "no reference_id", notice };
  return { kind: "payment", auth: auth.by, notice, names };
}

type Auth = { ok: true; by: WebhookAuthMethod } | { ok: false; reason: string };

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A present signature must match a key; a wrong one is refused even when a valid legacy key comes with it. */
function authenticate(body: Uint8Array, given: { signature: string | null; apiKey: string | null }, options: WebhookKeys): Auth {
  if (given.signature !== null) {
    const signature = given.signature.trim().toLowerCase();
    if (!/^sha256=[0-9a-f]{64}$/.test(signature)) return { ok: false, reason: "malformed X-Payram-Signature" };
    const valid = options.keys.some((key) => sameSecret(signature, signWebhookBody(body, key)));
    return valid ? { ok: true, by: "signature" } : { ok: false, reason: "wrong X-Payram-Signature" };
  }
  if (options.requireSignature) return { ok: false, reason: "no X-Payram-Signature (a signature is required)" };
  if (given.apiKey === null) return { ok: false, reason: "no X-Payram-Signature and no API-Key" };
  const apiKey = given.apiKey.trim();
  return options.keys.some((key) => sameSecret(apiKey, key)) ? { ok: true, by: "api_key" } : { ok: false, reason: "wrong API-Key" };
}

/** What the shop reads of a delivery: enough to find the payment. */
const id = z.union([z.string().trim().min(1).max(200), z.number().int().nonnegative().transform(String)]);
// An empty one is none: a payment request PayRam opened by itself (a top-up) has `invoice_id: ""`.
const optionalId = z.preprocess((value) => (typeof value === "string" && value.trim() === "" ? null : value), id.nullish());
const payloadSchema = z.looseObject({
  reference_id: id.nullish(),
  invoice_id: optionalId,
  customer_id: optionalId,
  customer_email: z.string().trim().max(254).nullish().catch(null),
  event_type: z.string().max(100).nullish(),
  status: z.string().max(100).nullish(),
  payout_id: id.nullish().catch(null),
  filled_amount_in_usd: z.unknown().optional(),
  confirmation_current: z.unknown().optional(),
  confirmation_required: z.unknown().optional(),
});

/** A claimed USD amount, or none when absent or unreadable (the GET decides anyway). */
function claimedCents(value: unknown): number | null {
  try {
    return parseOptionalCents(value, "round");
  } catch {
    return null;
  }
}

function readPayload(json: unknown): WebhookNotice | null {
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) return null;
  return {
    referenceId: parsed.data.reference_id ?? null,
    invoiceId: parsed.data.invoice_id ?? null,
    eventType: parsed.data.event_type ?? null,
    status: parsed.data.status ?? null,
    customerId: parsed.data.customer_id ?? null,
    customerEmail: parsed.data.customer_email || null,
    filledCents: claimedCents(parsed.data.filled_amount_in_usd),
    confirmations: readConfirmations(parsed.data.confirmation_current, parsed.data.confirmation_required),
    payoutId: parsed.data.payout_id ?? null,
  };
}
