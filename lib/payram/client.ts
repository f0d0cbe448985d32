import { z } from "zod";
import { isUsdStablecoin } from "../rules/payment-uri";
import { elapsed, log } from "../log";
import { metrics, payramOutcome } from "../metrics";
import { inSpan } from "../tracing";
import { centsToAmountNumber, parseOptionalCents, type Cents, type SubCent } from "../rules/money";
import { PAYRAM_STATES, type PayramState } from "../rules/states";
import { exactToDecimal, floorCents, parseExact } from "../rules/exact";
import { describeErrorAnswer, failureForStatus, PayramError, readErrorEnvelope } from "./errors";

/**
 * The PayRam adapter: the only code that knows PayRam's wire shapes. Callers get app types
 * and PayramError; the API key travels in the `API-Key` header and nowhere else.
 */
export interface PayramClientOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  fetch?: typeof fetch;
  /** Retries of the (idempotent) status call. */
  statusRetry?: RetryPolicy;
}

export interface CreatePaymentInput {
  customerEmail: string;
  /** Per order ("order_1001"): PayRam cancels a customer's other open payments on create. */
  customerId: string;
  invoiceId: string;
  amountCents: Cents;
  /** When PayRam should cancel the payment if it is not paid (its `expire`; default 24 h). */
  expiresAt?: Date;
}

export interface CreatedPayment {
  referenceId: string;
  /** PayRam's hosted payment page, opaque: redirect to it as-is (after the origin check). */
  url: string;
}

const createdPaymentBody = z.object({
  reference_id: z.string().min(1).max(200),
  url: z.string().url(),
  // `host` is ignored: where the shopper may be sent is the merchant's configuration, not PayRam's answer.
});


/** A payment as PayRam reports it, in the app's terms (both of PayRam's body shapes end here). */
export interface PayramPayment {
  referenceId: string;
  /** "UNKNOWN" for UNDEFINED or any state this app does not know: never a crash. */
  state: PayramState | "UNKNOWN";
  /** The state as PayRam wrote it (trimmed, at most 40 characters): for the log and the merchant. */
  reportedState: string;
  /** What PayRam says it asked for, in cents; null when it did not say or said nonsense. */
  amountCents: number | null;
  /** USD received so far by its value now, in whole cents (down); null before a deposit or when not reported. */
  filledCents: number | null;
  /** The same, exactly as PayRam wrote it ("4.995"); null before a deposit or when not reported. */
  filledUsd: string | null;
  /**
   * USD received valued at the quote, exactly: the received amount of an asset PayRam prices 1:1
   * with USD (its ticker's "1.0" for stablecoins, §9); null for other assets (PayRam does not say).
   */
  filledAtQuoteUsd: string | null;
  currency: string | null;
  /** The chain PayRam settles on (blockchainSymbol: "BASE", "ETH", …); null before the shopper picks. */
  network: string | null;
  depositAddress: string | null;
  /** The customer PayRam holds the payment for: links a top-up under a new reference to its order. */
  customerId: string | null;
  /** The invoice id the shop gave it at creation ("<order>-<attempt>"); none on a top-up PayRam opened. */
  invoiceId: string | null;
  /** Block confirmations of the deposit being confirmed (0 of n before one; 0 of 0 in some final answers). */
  confirmations: Confirmations | null;
}

export interface Confirmations {
  current: number;
  required: number;
}

const count = z.union([z.number(), z.string().trim().regex(/^\d{1,9}$/).transform(Number)]).pipe(z.number().int().min(0).max(1e9));

/** Both counts, when PayRam gave both as whole numbers; else none. */
export function readConfirmations(current: unknown, required: unknown): Confirmations | null {
  const c = count.safeParse(current);
  const r = count.safeParse(required);
  return c.success && r.success ? { current: c.data, required: r.data } : null;
}

export interface PayramClient {
  createPayment(input: CreatePaymentInput): Promise<CreatedPayment>;
  /** PayRam's truth about one payment; null when PayRam does not know the reference. */
  getPayment(referenceId: string): Promise<PayramPayment | null>;
  /**
   * Every payment PayRam holds for one customer (`POST /api/v1/payment/search`), for
   * reconciliation: finds a top-up PayRam opened under a new reference whose deliveries were all
   * lost. "unsupported" when this PayRam has no search (404).
   */
  searchPayments(customerId: string): Promise<PayramPayment[] | "unsupported">;
  /** `POST /api/v1/withdrawal/merchant` with its Idempotency-Key: the same key always answers the same payout. */
  createPayout(body: PayoutRequest, idempotencyKey: string): Promise<Payout>;
  /** One payout; null when PayRam does not know it (another project's id). */
  getPayout(id: string): Promise<Payout | null>;
  /** A page of PayRam's payouts, newest first (as asked: PayRam may not honour it, so check). */
  listPayouts(limit: number, offset: number): Promise<Payout[]>;
  /** What PayRam pays out in: each network and token with its USD price and precision. */
  ticker(): Promise<TickerEntry[]>;
}

/** The body of a payout create (contract §9): the amount in the token's units, as an exact decimal string. */
export interface PayoutRequest {
  email: string;
  blockchainCode: string;
  currencyCode: string;
  amount: string;
  toAddress: string;
  customerID: string;
}

export interface Payout {
  id: string;
  /** PayRam's status, lower-case: pending-approval, pending, initiated, sent, processed, failed, rejected, cancelled… */
  status: string;
  txHash: string | null;
  failureReason: string | null;
  amount: string | null;
  toAddress: string | null;
  blockchainCode: string | null;
  currencyCode: string | null;
  createdAt: string | null;
}

export interface TickerEntry {
  network: string;
  token: string;
  /** USD per unit, an exact decimal string ("1.0" for stablecoins). */
  price: string;
  /** Decimals a payout amount may carry. */
  walletPrecision: number;
}

/** A decimal as text; a JSON number is taken only when it prints as a plain decimal (never "1e-7"). */
const decimalText = z.union([z.string().trim(), z.number().nonnegative().transform(String)]).pipe(z.string().regex(/^\d+(\.\d+)?$/));
const payoutBody = z
  .looseObject({
    id: z.union([z.string().trim().min(1).max(200), z.number().int().transform(String)]),
    status: z.string().trim().min(1).max(60),
    txHash: z.string().max(200).nullish(),
    failureReason: z.string().max(500).nullish(),
    amount: decimalText.nullish().catch(null),
    toAddress: z.string().max(200).nullish(),
    blockchainCode: z.string().max(20).nullish(),
    currencyCode: z.string().max(20).nullish(),
    createdAt: z.string().max(60).nullish(),
  })
  .transform((v): Payout => ({
    id: v.id,
    status: v.status.toLowerCase(),
    txHash: v.txHash || null,
    failureReason: v.failureReason || null,
    amount: v.amount ?? null,
    toAddress: v.toAddress ?? null,
    blockchainCode: v.blockchainCode ?? null,
    currencyCode: v.currencyCode ?? null,
    createdAt: v.createdAt ?? null,
  }));
/** A list as a bare array or under `data`, `payouts` or `withdrawals`. */
const listOf = <T extends z.ZodType>(item: T) =>
  z.union([
    z.array(item),
    z.looseObject({ data: z.array(item) }).transform((v) => v.data),
    z.looseObject({ payouts: z.array(item) }).transform((v) => v.payouts),
    z.looseObject({ withdrawals: z.array(item) }).transform((v) => v.withdrawals),
  ]);
const tickerItem = z
  .looseObject({
    blockchainCode: z.string().trim().min(1).max(20),
    currencyCode: z.string().trim().min(1).max(20),
    price: decimalText,
    // A number, or digits in a string; a missing, null or empty precision is no precision (coercing it would say 0 decimals).
    walletPrecision: z.union([z.number(), z.string().trim().regex(/^\d+$/).transform(Number)]).pipe(z.number().int().min(0).max(18)),
  })
  .transform((v): TickerEntry => ({ network: v.blockchainCode, token: v.currencyCode, price: v.price, walletPrecision: v.walletPrecision }));

/** A non-2xx answer as a PayramError, with PayRam's own error code when it named one. */
function answerError(status: number, json: unknown): PayramError {
  return new PayramError(failureForStatus(status), describeErrorAnswer(status, json), status, readErrorEnvelope(json)?.code);
}

/**
 * The search's answer. PayRam names the endpoint but publishes no shape: `{"payments":[…]}` (the
 * emulator's reading), `{"data":[…]}` or a bare list, each item a status body in either shape.
 */
const searchAnswer = z.union([
  z.array(z.unknown()),
  z.looseObject({ payments: z.array(z.unknown()) }).transform((answer) => answer.payments),
  z.looseObject({ data: z.array(z.unknown()) }).transform((answer) => answer.data),
]);
const searchedReference = z.union([
  z.looseObject({ referenceID: z.string().trim().min(1).max(200) }).transform((v) => v.referenceID),
  z.looseObject({ reference_id: z.string().trim().min(1).max(200) }).transform((v) => v.reference_id),
]);

/** The payments of a search answer; null when the answer is no list of payments. Unreadable items are left out. */
export function readSearchAnswer(body: unknown): PayramPayment[] | null {
  const parsed = searchAnswer.safeParse(body);
  if (!parsed.success) return null;
  return parsed.data.flatMap((item) => {
    const reference = searchedReference.safeParse(item);
    const payment = reference.success ? readPaymentStatus(reference.data, item) : null;
    return payment ? [payment] : [];
  });
}

const text = z.string().nullish();
const amount = z.union([z.string(), z.number()]).nullish();

/** Current servers: camelCase with decimal-string amounts. */
const camelStatus = z.looseObject({
  paymentState: z.string(),
  referenceID: text,
  amountInUSD: amount,
  filledAmount: amount,
  filledAmountInUSD: amount,
  currencySymbol: text,
  blockchainSymbol: text,
  depositAddress: text,
  customerID: text,
  customerId: text,
  invoiceID: text,
  confirmationCurrent: z.unknown().optional(),
  confirmationRequired: z.unknown().optional(),
});

/**
 * The old FAQ: snake_case (`amount`, `currency_symbol`, `deposit_address`, `payment_state`), read
 * as the current names and then checked as a current answer is.
 */
const SNAKE_NAMES = {
  payment_state: "paymentState",
  reference_id: "referenceID",
  filled_amount: "filledAmount",
  filled_amount_in_usd: "filledAmountInUSD",
  currency_symbol: "currencySymbol",
  blockchain_symbol: "blockchainSymbol",
  deposit_address: "depositAddress",
  customer_id: "customerID",
  invoice_id: "invoiceID",
  confirmation_current: "confirmationCurrent",
  confirmation_required: "confirmationRequired",
} as const satisfies Record<string, keyof z.input<typeof camelStatus>>;

const snakeStatus = z
  .looseObject({ amount })
  .transform((v): Record<string, unknown> => ({
    ...Object.fromEntries(Object.entries(SNAKE_NAMES).map(([snake, camel]) => [camel, v[snake]])),
    // `amount` is the older name of `amount_in_usd`.
    amountInUSD: v.amount_in_usd ?? v.amount,
  }))
  .pipe(camelStatus);

function readState(raw: string): PayramState | "UNKNOWN" {
  const state = raw.trim().toUpperCase();
  if (state === "CANCELED") return "CANCELLED";
  return (PAYRAM_STATES as readonly string[]).includes(state) ? (state as PayramState) : "UNKNOWN";
}

/**
 * The amount PayRam asked for must be whole cents (a fraction of a cent is "nonsense": null, so
 * the order is not fulfilled automatically).
 */
function readCents(value: unknown, subCent: SubCent): number | null {
  try {
    return parseOptionalCents(value, subCent);
  } catch {
    return null;
  }
}

/**
 * What arrived: kept exactly as PayRam wrote it (sub-cent digits from a crypto conversion
 * included); the ledger (lib/rules/ledger.ts) rounds once, down. `filledCents` is for display.
 */
function readFilled(inUsd: unknown, inAsset: unknown, symbol: string | null | undefined): Pick<PayramPayment, "filledCents" | "filledUsd" | "filledAtQuoteUsd"> {
  const now = parseExact(inUsd);
  // Assets PayRam prices 1:1 with USD (its ticker's "1.0"): their amount is their USD value at the quote.
  const atQuote = isUsdStablecoin(symbol) ? parseExact(inAsset) : null;
  return {
    filledCents: now === null ? null : floorCents(now),
    filledUsd: now === null ? null : exactToDecimal(now),
    filledAtQuoteUsd: atQuote === null ? null : exactToDecimal(atQuote),
  };
}

/** A status body in either shape (camelCase first); null when it is neither. */
export function readPaymentStatus(referenceId: string, body: unknown): PayramPayment | null {
  const camel = camelStatus.safeParse(body);
  const parsed = camel.success ? camel : snakeStatus.safeParse(body);
  if (!parsed.success) return null;
  const v = parsed.data;
  return {
    referenceId,
    state: readState(v.paymentState),
    reportedState: v.paymentState.trim().slice(0, 40),
    amountCents: readCents(v.amountInUSD, "reject"),
    ...readFilled(v.filledAmountInUSD, v.filledAmount, v.currencySymbol),
    currency: v.currencySymbol || null,
    network: v.blockchainSymbol?.trim().toUpperCase().slice(0, 20) || null,
    depositAddress: v.depositAddress || null,
    customerId: v.customerID || v.customerId || null,
    invoiceId: v.invoiceID || null,
    confirmations: readConfirmations(v.confirmationCurrent, v.confirmationRequired),
  };
}

/** Each PayRam API call, by a fixed name (metrics and spans: never the path, which holds references). */
export type PayramEndpoint = "create_payment" | "get_payment" | "search_payments" | "create_payout" | "get_payout" | "list_payouts" | "ticker" | "health";

export interface RetryPolicy {
  /** Tries in all, including the first. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

const STATUS_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 250, maxDelayMs: 2_000 };

export function createPayramClient(options: PayramClientOptions): PayramClient {
  const doFetch = options.fetch ?? fetch;

  /**
   * One request, one time-out; never retried here (the caller decides, per endpoint). Counted by
   * `endpoint` (a fixed name: the path holds references) in shop_payram_request_duration_seconds,
   * and a span of its own when tracing is on.
   */
  function call(endpoint: PayramEndpoint, method: "GET" | "POST", path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
    return inSpan(`PayRam ${endpoint}`, { "payram.endpoint": endpoint, "http.request.method": method }, async (span) => {
      const started = performance.now();
      const took = () => (performance.now() - started) / 1000;
      try {
        const answer = await send(method, path, body, headers);
        log.info({ event: "payram_call", method, path, status: answer.status, ms: elapsed(started) }, "PayRam call");
        metrics().payramRequestDuration.observe({ endpoint, outcome: payramOutcome(answer.status) }, took());
        span.setAttribute("http.response.status_code", answer.status);
        return answer;
      } catch (error) {
        const failure = error instanceof PayramError ? error.failure : "unexpected";
        log.warn({ event: "payram_call", method, path, failure, ms: elapsed(started) }, "PayRam call failed");
        metrics().payramRequestDuration.observe({ endpoint, outcome: failure === "timeout" ? "timeout" : "network" }, took());
        throw error;
      }
    });
  }

  async function send(method: "GET" | "POST", path: string, body: unknown, extraHeaders: Record<string, string>): Promise<{ status: number; json: unknown }> {
    let response: Response;
    try {
      response = await doFetch(`${options.baseUrl}${path}`, {
        method,
        headers: {
          "API-Key": options.apiKey,
          Accept: "application/json",
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
          ...extraHeaders,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs),
        cache: "no-store",
        redirect: "error",
      });
    } catch (error) {
      if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
        throw new PayramError("timeout", `PayRam did not answer ${method} ${path} within ${options.timeoutMs} ms`);
      }
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new PayramError("network", `could not reach PayRam for ${method} ${path}: ${cause}`);
    }
    let text: string;
    try {
      text = await response.text();
    } catch {
      throw new PayramError("timeout", `PayRam's answer to ${method} ${path} did not arrive within ${options.timeoutMs} ms`);
    }
    let json: unknown = null;
    if (text !== "") {
      try {
        json = JSON.parse(text);
      } catch {
        json = text.slice(0, 200);
      }
    }
    return { status: response.status, json };
  }

  return {
    async createPayment(input) {
      const { status, json } = await call("create_payment", "POST", "/api/v1/payment", {
        customerEmail: input.customerEmail,
        customerID: input.customerId,
        invoiceID: input.invoiceId,
        amountInUSD: centsToAmountNumber(input.amountCents),
        ...(input.expiresAt ? { expire: input.expiresAt.toISOString() } : {}),
      });
      if (status < 200 || status >= 300) {
        throw new PayramError(failureForStatus(status), describeErrorAnswer(status, json), status);
      }
      const created = createdPaymentBody.safeParse(json);
      if (!created.success) {
        // A 200 whose body has a `code` and no `url` is a failure: PayRam answers some errors so.
        if (readErrorEnvelope(json)) throw new PayramError("refused", describeErrorAnswer(status, json), status);
        throw new PayramError("invalid_response", "PayRam's answer to the payment request has no reference_id and url", status);
      }
      return { referenceId: created.data.reference_id, url: created.data.url };
    },

    async getPayment(referenceId) {
      const retry = options.statusRetry ?? STATUS_RETRY;
      const path = `/api/v1/payment/reference/${encodeURIComponent(referenceId)}`;
      for (let attempt = 1; ; attempt++) {
        try {
          const { status, json } = await call("get_payment", "GET", path);
          // An unknown reference is undocumented: 400 and 404 both mean "not a payment PayRam knows".
          if (status === 404 || status === 400) return null;
          if (status < 200 || status >= 300) throw new PayramError(failureForStatus(status), describeErrorAnswer(status, json), status);
          const payment = readPaymentStatus(referenceId, json);
          if (payment) return payment;
          if (readErrorEnvelope(json)) throw new PayramError("refused", describeErrorAnswer(status, json), status);
          throw new PayramError("invalid_response", "PayRam's payment status has no payment state", status);
        } catch (error) {
          const transient =
            error instanceof PayramError &&
            (error.failure === "network" || error.failure === "timeout" || error.failure === "rate_limited" || error.failure === "server");
          if (!transient || attempt >= retry.attempts) throw error;
          // Exponential backoff with full jitter, so many instances do not retry in step.
          const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
          await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
        }
      }
    },

    async searchPayments(customerId) {
      // Not retried here: the sweep asks again on its own schedule.
      const { status, json } = await call("search_payments", "POST", "/api/v1/payment/search", { customerID: customerId });
      if (status === 404) return "unsupported";
      if (status < 200 || status >= 300) throw new PayramError(failureForStatus(status), describeErrorAnswer(status, json), status);
      const payments = readSearchAnswer(json);
      if (payments) return payments;
      if (readErrorEnvelope(json)) throw new PayramError("refused", describeErrorAnswer(status, json), status);
      throw new PayramError("invalid_response", "PayRam's payment search answer has no list of payments", status);
    },

    async createPayout(body, idempotencyKey) {
      // Never retried here: the caller resends the stored body with the same key.
      const { status, json } = await call("create_payout", "POST", "/api/v1/withdrawal/merchant", body, { "Idempotency-Key": idempotencyKey });
      if (status < 200 || status >= 300) throw answerError(status, json);
      const payout = payoutBody.safeParse(json);
      if (!payout.success) throw new PayramError("invalid_response", "PayRam's answer to the payout has no id and status", status);
      return payout.data;
    },

    async getPayout(id) {
      const { status, json } = await call("get_payout", "GET", `/api/v1/withdrawal/${encodeURIComponent(id)}/merchant`);
      if (status === 404) return null;
      if (status < 200 || status >= 300) throw answerError(status, json);
      const payout = payoutBody.safeParse(json);
      if (!payout.success) throw new PayramError("invalid_response", "PayRam's payout has no id and status", status);
      return payout.data;
    },

    async listPayouts(limit, offset) {
      const { status, json } = await call("list_payouts", "GET", `/api/v1/withdrawal/merchant?limit=${limit}&offset=${offset}&order=desc&sortBy=createdAt`);
      if (status < 200 || status >= 300) throw answerError(status, json);
      const list = listOf(z.unknown()).safeParse(json);
      if (!list.success) throw new PayramError("invalid_response", "PayRam's payout list is no list", status);
      // Every item, or none: a payout skipped here could be the one a refund is looked up by.
      return list.data.map((item) => {
        const payout = payoutBody.safeParse(item);
        if (!payout.success) throw new PayramError("invalid_response", "PayRam's payout list has a payout without an id and status", status);
        return payout.data;
      });
    },

    async ticker() {
      const { status, json } = await call("ticker", "GET", "/api/v1/ticker");
      if (status < 200 || status >= 300) throw answerError(status, json);
      const list = listOf(z.unknown()).safeParse(json);
      if (!list.success) throw new PayramError("invalid_response", "PayRam's ticker is no list", status);
      return list.data.flatMap((item) => {
        const entry = tickerItem.safeParse(item);
        return entry.success ? [entry.data] : [];
      });
    },
  };
}
