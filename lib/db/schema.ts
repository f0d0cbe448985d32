import type { ColumnType, Selectable } from "kysely";
import type { AttemptOrigin, AttemptState, MerchantState } from "../rules/states";
import type { RefundStatus } from "../rules/refund-life";
import { MAIL_KINDS, type MailKind } from "../rules/mail";
import type { AuditOutcome, Role } from "../rules/roles";

export type { AttemptState };

/**
 * The shop's tables as TypeScript sees them, on SQLite and on Postgres alike:
 * - money is integer cents (`…_cents`), a JS number;
 * - times are UTC ISO-8601 strings with milliseconds ("2026-11-26T03:51:54.123Z"), written
 *   by the app (never by a database default) so both dialects hold the same value;
 * - flags are 0/1 integers (better-sqlite3 cannot bind booleans);
 * - ids from a sequence are JS numbers (pg's int8 strings are converted in lib/db/index.ts).
 */

export type IsoTime = string;
type Serial = ColumnType<number, never, never>;

export const EVENT_SOURCES = ["checkout", "webhook", "poll", "sweep", "merchant"] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

export const DELIVERY_VERDICTS = [
  "received", // authenticated and recorded, being processed
  "accepted", // authenticated and synced
  "duplicate", // authenticated, nothing new
  "unknown_reference", // authenticated, not one of our payments
  "ignored", // payout events and other non-payment news
  "ping", // PayRam's test delivery
  "rejected", // failed authentication or malformed
  "failed", // our side failed; answered 5xx so PayRam retries
  "throttled", // authenticated, PayRam was asked less than 2 s ago: counted on one row per reference and claim
  "pending", // a reference PayRam could not answer for yet: acknowledged, retried by the sweep (pending_references)
] as const;
export type DeliveryVerdict = (typeof DELIVERY_VERDICTS)[number];

export const FULFILMENT_KINDS = ["ship", "deliver"] as const;
export type FulfilmentKind = (typeof FULFILMENT_KINDS)[number];

export interface CountersTable {
  name: string;
  value: number;
}

export interface ProductsTable {
  id: Serial;
  /** Unique, editable by the merchant: an earlier slug redirects (product_slug_history). */
  slug: string;
  name: string;
  description: string;
  price_cents: number;
  /** A URL: /images/products/<file> (the demo's seed, in public/) or /media/<sha256>.<ext> (uploaded). */
  image: string;
  /** Physical (1: the checkout asks for an address) or digital (0). */
  ships: 0 | 1;
  /** 0 once archived: not sold, kept for the carts and orders that name it. */
  active: ColumnType<0 | 1, 0 | 1 | undefined, 0 | 1>;
  /** Pieces that can still be sold (reservations already taken off); null: not tracked. */
  stock: ColumnType<number | null, number | null | undefined, number | null>;
  /** The most pieces one order may take, while stock is tracked (the merchant's setting; 10 by default). */
  max_per_order: ColumnType<number, number | undefined, number>;
  /** Digital products: the file a buyer downloads (product_files), and its name. */
  download_sha256: ColumnType<string | null, string | null | undefined, string | null>;
  download_name: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: IsoTime;
  updated_at: IsoTime;
}

export interface ProductSlugHistoryTable {
  slug: string;
  product_id: number;
  created_at: IsoTime;
}

/** Uploaded product images, served at /media/<sha256>.<ext> by every instance. */
export interface ProductImagesTable {
  sha256: string;
  content_type: "image/png" | "image/jpeg" | "image/webp";
  size: number;
  bytes: Buffer;
  created_at: IsoTime;
}

/** Files digital products deliver. */
export interface ProductFilesTable {
  sha256: string;
  content_type: string;
  size: number;
  bytes: Buffer;
  created_at: IsoTime;
}

/** Stock an order holds; released once (released_at); a re-reservation is a new row. */
export interface StockReservationsTable {
  id: Serial;
  order_id: string;
  product_id: number;
  quantity: number;
  created_at: IsoTime;
  released_at: IsoTime | null;
}

export interface CartsTable {
  /** Random and unguessable: the httpOnly cookie's value. */
  id: string;
  created_at: IsoTime;
  updated_at: IsoTime;
  /** The order this cart's checkout made, and the cart's digest then (lib/checkout/token.ts). */
  order_id: ColumnType<string | null, string | null | undefined, string | null>;
  order_digest: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface CartItemsTable {
  cart_id: string;
  product_id: number;
  quantity: number;
  added_at: IsoTime;
}

export interface OrdersTable {
  /** Secret and unguessable: the status page's URL. Never sent to PayRam. */
  id: string;
  /** Human order number (#1001…), shown to people and sent to PayRam. */
  number: number;
  /** The one-time token of the checkout form that created it (repeat submits find the order). */
  checkout_token: string | null;
  email: string;
  shipping_name: string | null;
  shipping_line1: string | null;
  shipping_line2: string | null;
  shipping_city: string | null;
  shipping_region: string | null;
  shipping_postal_code: string | null;
  shipping_country: string | null;
  total_cents: number;
  currency: "USD";
  created_at: IsoTime;
  updated_at: IsoTime;
  paid_at: IsoTime | null;
  cancelled_at: IsoTime | null;
  /**
   * What the merchant filters and counts by (lib/rules/states.ts merchantState) and the USD
   * received over all its payments: kept by refreshOrderPayment wherever payments change.
   */
  payment_state: ColumnType<MerchantState, MerchantState | undefined, MerchantState>;
  received_cents: ColumnType<number, number | undefined, number>;
  /** 1: the shop mails the shopper about this order (0 for orders placed before mail existed). */
  mails: ColumnType<0 | 1, 0 | 1 | undefined, 0 | 1>;
  /** A keyed hash of the client that placed it (lib/checkout/checkout.ts clientKeyOf); null before 0018 or without one. */
  client_key: ColumnType<string | null, string | null | undefined, string | null>;
  /** The shopper's language when ordering (lib/i18n/locales.ts): its mails and pages speak it. */
  locale: ColumnType<string, string | undefined, string>;
  /**
   * When the merchant released its stock while a payment was open (lib/orders/cancel.ts
   * releaseOrderStock): only money that pays the order takes the stock again. Null otherwise.
   */
  stock_released_at: ColumnType<IsoTime | null, IsoTime | null | undefined, IsoTime | null>;
}

export interface OrderItemsTable {
  order_id: string;
  position: number;
  /** The product it was bought as (null: a product missing when 0010 ran). */
  product_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** Snapshots at purchase: later catalog changes do not touch past orders. */
  product_slug: string;
  name: string;
  unit_price_cents: number;
  quantity: number;
  line_total_cents: number;
  ships: 0 | 1;
  /** Physical lines: when the merchant marked it shipped, and how. */
  shipped_at: ColumnType<IsoTime | null, IsoTime | null | undefined, IsoTime | null>;
  carrier: ColumnType<string | null, string | null | undefined, string | null>;
  tracking_number: ColumnType<string | null, string | null | undefined, string | null>;
  tracking_url: ColumnType<string | null, string | null | undefined, string | null>;
  /** Digital lines: files actually served so far. */
  downloads: ColumnType<number, number | undefined, number>;
}

export interface PaymentAttemptsTable {
  id: string;
  order_id: string;
  attempt_number: number;
  state: AttemptState;
  reference_id: string | null;
  payment_url: string | null;
  amount_cents: number;
  amount_received_cents: number | null;
  failure_reason: string | null;
  created_at: IsoTime;
  updated_at: IsoTime;
  closed_at: IsoTime | null;
  /** What PayRam says it asked for; differs from amount_cents only if something is wrong. */
  payram_amount_cents: number | null;
  currency: string | null;
  /** PayRam's blockchainSymbol ("BASE", "ETH", …); null until the shopper picks an asset. */
  network: ColumnType<string | null, string | null | undefined, string | null>;
  deposit_address: string | null;
  last_synced_at: IsoTime | null;
  /** When the sweep should next ask PayRam (null: never, e.g. terminal). */
  next_sync_at: IsoTime | null;
  /** When PayRam was asked to expire the payment (null: not asked, or not a checkout attempt). */
  expires_at: ColumnType<IsoTime | null, IsoTime | null | undefined, IsoTime | null>;
  /** Syncs in a row that found nothing new: the sweep backs off with it. */
  quiet_syncs: ColumnType<number, number | undefined, number>;
  /** PayRam's confirmation count from its last GET (null before a deposit, 0 once final). */
  confirmations_current: ColumnType<number | null, number | null | undefined, number | null>;
  confirmations_required: ColumnType<number | null, number | null | undefined, number | null>;
  /** A delivery claimed news at this time that no PayRam GET started since has seen: keeps the next sync near. */
  unseen_news_at: ColumnType<IsoTime | null, IsoTime | null | undefined, IsoTime | null>;
  /** "checkout": the shop opened it; "payram": PayRam opened it for the order's customer (a top-up). */
  origin: ColumnType<AttemptOrigin, AttemptOrigin | undefined, AttemptOrigin>;
  /** What this reference credits the order, in whole cents (lib/rules/ledger.ts entryCreditCents): for the merchant's list. */
  credit_cents: ColumnType<number, number | undefined, number>;
  /** USD received by its value now, exactly as PayRam wrote it (filledAmountInUSD); null before a deposit or on rows from before 0015. */
  received_usd: ColumnType<string | null, string | null | undefined, string | null>;
  /** USD received valued at the quote, exactly, where PayRam says it (a stablecoin's amount); else null. */
  received_at_quote: ColumnType<string | null, string | null | undefined, string | null>;
}

/** What the merchant must look at. One per attempt and kind, or one per order and key (order_key). */
export const ATTENTION_KINDS = [
  "amount_mismatch", // PayRam asked for another amount than the order's: not fulfilled
  "over_filled", // paid more than the total
  "cancelled_with_funds", // cancelled or expired after a part was received
  "start_failed", // the checkout could not open a PayRam payment (resolved by the merchant)
  "partial_stale", // partly paid and quiet for long (resolved by the merchant)
  "unknown_state", // PayRam reported UNDEFINED or a state this shop does not know: kept as it was
  "out_of_stock", // paid after its reservation was released, and the stock was gone by then
  "mail_failed", // a mail to the shopper could not be sent after every try
  "refund_unanswered", // a refund PayRam has not answered for over an hour: the shop keeps asking
  "refund_stopped", // a refund the shop stopped sending by itself: PayRam's last answer, for the merchant to end it or ask again
  "refund_paid_after_end", // PayRam made a payout for a refund the shop had ended: the amount may have been refunded twice
] as const;
export type AttentionKind = (typeof ATTENTION_KINDS)[number];

export interface AttentionItemsTable {
  id: Serial;
  order_id: string;
  attempt_id: string;
  kind: AttentionKind;
  detail: string;
  created_at: IsoTime;
  resolved_at: IsoTime | null;
  resolution_note: string | null;
  /** Set on items about the whole order (one per order and key, whichever attempt raised it); null on per-attempt ones. */
  order_key: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface PaymentEventsTable {
  id: Serial;
  order_id: string;
  attempt_id: string;
  source: EventSource;
  from_state: AttemptState | null;
  to_state: AttemptState;
  amount_received_cents: number | null;
  note: string | null;
  created_at: IsoTime;
}

export interface WebhookDeliveriesTable {
  id: Serial;
  received_at: IsoTime;
  method: string;
  /** How the delivery proved it came from PayRam, if it did. */
  auth: "signature" | "api_key" | "none";
  verdict: DeliveryVerdict;
  reason: string | null;
  reference_id: string | null;
  event_type: string | null;
  payload_status: string | null;
  order_id: string | null;
  /** The raw body, truncated; kept for the merchant's timeline. */
  body: string | null;
  /** Throttled rows count their copies: how many, the last one's arrival, and the reference and claim they share. */
  copies: ColumnType<number, number | undefined, number>;
  last_seen_at: ColumnType<IsoTime | null, IsoTime | null | undefined, IsoTime | null>;
  claim_key: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A reference PayRam could not answer for when its delivery came (500 for an unknown reference): the sweep asks again. */
export interface PendingReferencesTable {
  reference_id: string;
  customer_id: string;
  customer_email: string | null;
  first_seen_at: IsoTime;
  next_try_at: IsoTime;
  tries: ColumnType<number, number | undefined, number>;
}

export interface FulfilmentsTable {
  /** The primary key is what makes a second fulfilment of one order impossible. */
  order_id: string;
  attempt_id: string;
  kind: FulfilmentKind;
  created_at: IsoTime;
  completed_at: IsoTime | null;
}

export interface RateLimitsTable {
  bucket: string;
  window_start: IsoTime;
  count: number;
}

/** A merchant session (lib/auth/session.ts): signing out revokes it on every instance. */
export interface AdminSessionsTable {
  id: string;
  created_at: IsoTime;
  expires_at: IsoTime;
  revoked_at: IsoTime | null;
  /** Whose session (issue 30); null only on the single-password sessions the upgrade ended. */
  person_id: string | null;
  user_agent: string | null;
  address: string | null;
  last_seen_at: IsoTime | null;
  /** When a second factor was last entered in this session: money actions need it recent. */
  second_factor_at: IsoTime | null;
}

/** A person who may use the merchant area (lib/auth/people.ts). */
export interface PeopleTable {
  id: string;
  /** Lower-cased. */
  email: string;
  role: Role;
  /** Argon2id; null while an invitation is not yet accepted. */
  password_hash: string | null;
  created_at: IsoTime;
  disabled_at: IsoTime | null;
  /** Base32 TOTP secret once enrolment is confirmed. */
  totp_secret: string | null;
  /** Shown while enrolling, until a first code confirms it. */
  totp_pending_secret: string | null;
  /** The last time step accepted: a code is never accepted twice. */
  totp_last_step: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface RecoveryCodesTable {
  id: Serial;
  person_id: string;
  code_hash: string;
  used_at: IsoTime | null;
}

/** A person's passkey (lib/auth/passkeys.ts): a WebAuthn credential used as a second factor. */
export interface PasskeysTable {
  id: string;
  person_id: string;
  /** base64url, as the browser names it. */
  credential_id: string;
  /** The COSE public key, base64url. */
  public_key: string;
  /** The authenticator's signature counter (0 for those that keep none). */
  counter: ColumnType<number, number, number>;
  /** Comma-separated transports ("internal,hybrid"), possibly empty. */
  transports: string;
  name: string;
  created_at: IsoTime;
  last_used_at: IsoTime | null;
}

export const CHALLENGE_PURPOSES = ["register", "sign-in", "step-up"] as const;
export type ChallengePurpose = (typeof CHALLENGE_PURPOSES)[number];

/** A WebAuthn challenge: single-use, short-lived, bound to a person, a purpose and (but at sign-in) a session. */
export interface WebauthnChallengesTable {
  /** base64url, as sent to the browser. */
  challenge: string;
  person_id: string;
  session_id: string | null;
  purpose: ChallengePurpose;
  expires_at: IsoTime;
}

/** Invitation and password-reset links, single-use, kept as a hash. */
export interface PersonTokensTable {
  token_hash: string;
  person_id: string;
  kind: "invite" | "reset";
  created_at: IsoTime;
  expires_at: IsoTime;
  used_at: IsoTime | null;
}

export interface ShopSettingsTable {
  name: string;
  value: string;
}

/** A staff member's refund, waiting for an owner's or manager's decision before PayRam is asked. */
export interface RefundRequestsTable {
  id: string;
  order_id: string;
  form_token: string;
  network: string;
  token: string;
  address: string;
  amount_cents: ColumnType<number, number, number>;
  requested_by: string;
  created_at: IsoTime;
  decision: "approved" | "declined" | null;
  decided_by: string | null;
  decided_at: IsoTime | null;
  refund_id: string | null;
}

/** Append-only: a trigger refuses UPDATE and DELETE (lib/auth/audit.ts). */
export interface AuditLogTable {
  id: Serial;
  at: IsoTime;
  person_id: string | null;
  person_email: string | null;
  action: string;
  outcome: AuditOutcome;
  order_id: string | null;
  product_id: string | null;
  refund_id: string | null;
  target_person_id: string | null;
  detail: string | null;
  address: string | null;
}

export { MAIL_KINDS, type MailKind };

/** One mail, written in the transaction of its event; the sender loop sends it (lib/notify). */
export interface OutboxTable {
  id: Serial;
  /** Unique: a replayed or duplicate event never queues the same mail twice. */
  key: string;
  kind: MailKind;
  order_id: string | null;
  /** An address, or "merchant": MERCHANT_EMAIL, read when it is sent. */
  recipient: string;
  /** What the mail says (JSON, lib/notify/templates.ts MailPayload), captured at the event; rendered when sent. */
  payload: string;
  /** The Message-ID's left part, from the key (the sender adds the domain): a mail sent twice is one message to mail clients. */
  message_id: string;
  created_at: IsoTime;
  next_try_at: IsoTime;
  tries: ColumnType<number, number | undefined, number>;
  /** A sender holds it until then (longer than an SMTP conversation may take). */
  lease_until: IsoTime | null;
  sent_at: IsoTime | null;
  gave_up_at: IsoTime | null;
  last_error: string | null;
}

/** A refund's state (lib/rules/refund-life.ts): "requesting" until PayRam answers the create, then PayRam's payout status; "refused": PayRam made nothing. */
export { REFUND_STATUSES, type RefundStatus } from "../rules/refund-life";

export interface RefundsTable {
  id: string;
  order_id: string;
  /** The merchant's refund form's one-time token: a double click finds this row again. */
  form_token: string;
  /** Sent with every try of the create: PayRam answers the same payout, never a second. */
  idempotency_key: string;
  /** USD refunded, in cents. */
  amount_cents: number;
  /** PayRam's blockchainCode and currencyCode. */
  network: string;
  token: string;
  address: string;
  /** What PayRam pays out, in the token's units (an exact decimal string), computed once from `price`. */
  crypto_amount: string;
  price: string;
  /** The exact JSON body of the create, resent as-is by every retry. */
  request_body: string;
  payout_id: string | null;
  status: RefundStatus;
  tx_hash: string | null;
  failure_reason: string | null;
  created_at: IsoTime;
  updated_at: IsoTime;
  last_sent_at: IsoTime | null;
  /** PayRam's last answer to a create that made no payout (a refusal, a 503, a time-out), in the merchant's words. */
  last_answer: string | null;
}

/**
 * The shopper's answer to "Where should we send your refund?" (lib/refunds/address.ts): the address
 * in force (confirmed) or, before any was confirmed, the newest answer; and a newer answer waiting
 * for its link while a confirmed one stays in force (`pending_*`, all set or all null).
 */
export interface RefundAddressesTable {
  order_id: string;
  network: string;
  token: string;
  address: string;
  /** sha-256 of the newest answer's mailed token (the pending one's, when there is one). */
  confirm_hash: string;
  created_at: IsoTime;
  confirmed_at: IsoTime | null;
  /** A refund was asked of PayRam with it: the shopper can no longer change it. */
  frozen_at: IsoTime | null;
  pending_network: string | null;
  pending_token: string | null;
  pending_address: string | null;
  pending_created_at: IsoTime | null;
}

export interface RefundEventsTable {
  id: Serial;
  refund_id: string;
  order_id: string;
  status: RefundStatus;
  note: string | null;
  created_at: IsoTime;
}

export interface Database {
  refund_events: RefundEventsTable;
  refund_addresses: RefundAddressesTable;
  refunds: RefundsTable;
  outbox: OutboxTable;
  counters: CountersTable;
  products: ProductsTable;
  product_slug_history: ProductSlugHistoryTable;
  product_images: ProductImagesTable;
  product_files: ProductFilesTable;
  stock_reservations: StockReservationsTable;
  carts: CartsTable;
  cart_items: CartItemsTable;
  orders: OrdersTable;
  order_items: OrderItemsTable;
  payment_attempts: PaymentAttemptsTable;
  payment_events: PaymentEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  fulfilments: FulfilmentsTable;
  attention_items: AttentionItemsTable;
  rate_limits: RateLimitsTable;
  admin_sessions: AdminSessionsTable;
  people: PeopleTable;
  recovery_codes: RecoveryCodesTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebauthnChallengesTable;
  person_tokens: PersonTokensTable;
  shop_settings: ShopSettingsTable;
  refund_requests: RefundRequestsTable;
  audit_log: AuditLogTable;
  pending_references: PendingReferencesTable;
}

export type Order = Selectable<OrdersTable>;
export type OrderItem = Selectable<OrderItemsTable>;
export type PaymentAttempt = Selectable<PaymentAttemptsTable>;
export type Product = Selectable<ProductsTable>;

/** Now, in the one time representation the database holds. */
export function nowIso(): IsoTime {
  return new Date().toISOString();
}
