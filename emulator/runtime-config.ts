import { z } from "zod";

/**
 * The behaviour that tests and the demo switch at run time (GET/PUT /__emulator/config).
 * Everything here is reset to the start settings by POST /__emulator/reset.
 */

/** "undefined" is for the status endpoint only: the payment as it is, but in PayRam's UNDEFINED state. */
export const FAULT_MODES = ["none", "500", "502", "429", "code5", "hang", "undefined"] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

const rate = z.number().min(0).max(1);
const milliseconds = z.number().int().min(0).max(48 * 60 * 60 * 1000);

const endpointFaultSchema = z.strictObject({
  /** What an affected call answers; "hang" never answers (a create still creates the payment). */
  mode: z.enum(FAULT_MODES),
  /** Chance that a call is affected while mode is not "none" (1 = every call). */
  rate,
  /** null = no limit; N = only the next N affected calls, then mode goes back to "none". */
  count: z.number().int().min(0).nullable(),
  /** Added to every answer of the endpoint, fault or not. */
  latencyMs: milliseconds,
});
export type EndpointFault = z.infer<typeof endpointFaultSchema>;

/**
 * The payout create's faults. "hang": the payout is created, then no answer (the client times out);
 * "503": EXCHANGE_RATE_UNAVAILABLE, nothing created; "500" / "502" / "429" as for the payment create.
 */
export const PAYOUT_FAULT_MODES = ["none", "hang", "503", "500", "502", "429"] as const;
export type PayoutFaultMode = (typeof PAYOUT_FAULT_MODES)[number];
const payoutFaultSchema = endpointFaultSchema.extend({ mode: z.enum(PAYOUT_FAULT_MODES) });
export type PayoutFault = z.infer<typeof payoutFaultSchema>;

/** A USD amount as exact decimal text, at most 2 decimals ("500", "500.00"). */
const usdText = z.string().regex(/^\d{1,12}(\.\d{1,2})?$/, "must be a USD amount as a decimal string with at most 2 decimals, e.g. \"500.00\"");
/** A price in USD per unit, as exact decimal text, greater than 0. */
const priceText = z
  .string()
  .regex(/^\d{1,12}(\.\d{1,18})?$/, "must be a price as a decimal string, e.g. \"3000.00\"")
  .refine((text) => /[1-9]/.test(text), "must be greater than 0");

const httpUrl = z.url({ protocol: /^https?$/ });

/** Named bundles of readings (emulator/profiles.ts); chosen at start with --profile / EMULATOR_PROFILE. */
export const PROFILE_NAMES = ["docs-2026", "connector-2026"] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export const runtimeConfigSchema = z.strictObject({
  /** The profile the emulator started from (a label: settings changed since show below). */
  profile: z.enum(PROFILE_NAMES),
  /**
   * Multiplies every retry delay and confirmation time, so tests play PayRam's hours in
   * milliseconds (0.001 = a thousand times faster). Timeouts, expiry and fault delays are not scaled.
   */
  timeScale: z.number().gt(0).max(1),
  project: z.strictObject({
    merchantName: z.string().min(1).max(200),
    successUrl: httpUrl,
    cancelUrl: httpUrl,
  }),
  api: z.strictObject({
    /** "camel" = current servers (referenceID, paymentState …); "snake" = the old FAQ (payment_state …). */
    statusShape: z.enum(["camel", "snake"]),
    /** Amounts in status bodies and webhooks: decimal strings (new) or JSON numbers (old). */
    amounts: z.enum(["string", "number"]),
    /** The old FAQ spells the state CANCELED. */
    cancelledSpelling: z.enum(["CANCELLED", "CANCELED"]),
    /** Some versions append &host=<public url> to the hosted page url. */
    urlIncludesHost: z.boolean(),
    /**
     * PayRam's "Site URL" setting left unset: the create answers `host` and `url` on http://localhost
     * (a setup error the shop must name, not follow). The hosted page still answers on the public URL.
     */
    siteUrlUnset: z.boolean(),
    /**
     * A deposit after an underpayment: "same-reference" adds it to the payment (docs); "new-reference"
     * makes it a new payment request (new reference_id, same customer, no invoice) and leaves the
     * first PARTIALLY_FILLED, as PayRam's core matches deposits only to OPEN requests (connector).
     */
    topUp: z.enum(["same-reference", "new-reference"]),
    /** Which of the customer's payments a create cancels. */
    cancelOnCreate: z.enum(["open-and-partially-filled", "open-only"]),
    /** Before the asset is chosen, currencySymbol, blockchainSymbol, filledAmount and depositAddress are null. */
    nullsBeforeAsset: z.boolean(),
    /** Whole amounts without decimals ("82" rather than "82.00" / "82.000000"). */
    bareWholeAmounts: z.boolean(),
    /** An unknown reference: 404 {"code":5,…} or 500 {"error":"Error fetching the payment request"}. */
    unknownReference: z.enum(["404", "500"]),
    /** POST /api/v1/payment/search; false answers 404. */
    search: z.boolean(),
  }),
  /** Block confirmations of a deposit; durationMs 0 = confirmed on arrival (times scaled by timeScale). */
  confirmations: z.strictObject({
    required: z.number().int().min(1).max(1000),
    /** From a deposit's arrival until its last confirmation; meanwhile the state does not move. */
    durationMs: milliseconds,
    /** A progress delivery every N ms while a deposit confirms; 0 = none. */
    progressEveryMs: milliseconds,
    /** Chance that a progress delivery carries no payment_info. */
    progressWithoutPaymentInfoRate: rate,
  }),
  webhooks: z.strictObject({
    /** Receivers, taking deliveries in turn (round-robin per delivery; retries stay on one URL). */
    urls: z.array(httpUrl).max(20),
    enabled: z.boolean(),
    method: z.enum(["POST", "GET"]),
    /** X-Payram-Signature: sha256=<hex HMAC-SHA256(raw body, API key)>. */
    signature: z.boolean(),
    /** The legacy plain-text API-Key header. */
    legacyApiKeyHeader: z.boolean(),
    /** Whether CANCELLED (cancel, expiry, per-customer cancellation) is delivered at all. */
    sendCancelled: z.boolean(),
    /**
     * The dashboard's test ping: "unsigned" with X-Webhook-Test: true (docs), or "empty-key": sent like
     * a payment delivery (signed when signature is on) with an empty API-Key header (connector).
     */
    ping: z.enum(["unsigned", "empty-key"]),
    timeoutMs: z.number().int().min(1).max(10 * 60 * 1000),
    /** Delay before each retry; its length is the number of retries. */
    retryScheduleMs: z.array(milliseconds).max(50),
  }),
  /** Payouts (the contract's §9): approval limits, the 409 window, non-stablecoin prices, disabled assets. */
  payouts: z.strictObject({
    /** Above this USD value a payout waits in pending-approval. */
    autoApproveLimitUsd: usdText,
    /** The USD sum of the last hour's / day's payouts (failed, rejected, cancelled not counted) above which a payout waits for approval. */
    hourlyLimitUsd: usdText,
    dailyLimitUsd: usdText,
    /** Below this USD value: 400 PAYOUT_AMOUNT_BELOW_MINIMUM. */
    minimumUsd: usdText,
    /** Without an Idempotency-Key, an identical payout within this window answers 409 PAYOUT_DUPLICATE_REQUEST. */
    duplicateWindowMs: milliseconds,
    /** USD per unit of the non-stablecoins (stablecoins are "1.0"). */
    prices: z.strictObject({ ETH: priceText, POL: priceText, TRX: priceText }),
    /** "BLOCKCHAIN:CURRENCY" pairs (e.g. "POLYGON:USDT") that answer 400 PAYOUT_CURRENCY_DISABLED. */
    disabled: z.array(z.string().regex(/^[A-Z]+:[A-Z]+$/, 'must be "BLOCKCHAIN:CURRENCY", e.g. "POLYGON:USDT"')).max(50),
    /** How many retries a payout webhook gets, from the start of webhooks.retryScheduleMs (§9: 0/2/4 s, so 3). */
    webhookRetries: z.number().int().min(0).max(50),
  }),
  faults: z.strictObject({
    /** Seeds the PRNG behind every rate below; setting it restarts the sequence. */
    seed: z.number().int().min(0).max(0xffffffff),
    create: endpointFaultSchema.refine((fault) => fault.mode !== "undefined", { message: '"undefined" is a status fault', path: ["mode"] }),
    status: endpointFaultSchema,
    /** POST /api/v1/withdrawal/merchant (a replay of a known Idempotency-Key is never faulted). */
    payouts: payoutFaultSchema,
    webhooks: z.strictObject({
      /** One attempt is not sent (logged "dropped"); the retry schedule goes on from there. */
      dropRate: rate,
      /** The delivery is never sent at all ("lost" for good; only a redeliver or a status read finds it). */
      lostRate: rate,
      duplicateRate: rate,
      /** A reordered delivery is held until the next delivery has been answered (or reorderMaxHoldMs). */
      reorderRate: rate,
      reorderMaxHoldMs: milliseconds,
      delayRate: rate,
      delayMs: milliseconds,
    }),
  }),
});
export type RuntimeConfig = z.infer<typeof runtimeConfigSchema>;

const MINUTE = 60_000;
/** PayRam's schedule: quickly (0 s, 2 s, 4 s), then over hours. */
const HOUR = 60 * MINUTE;
/** PayRam's schedule (docs): 0 s, 2 s, 4 s, then 30 min … 48 h; after the last, the delivery is failed. */
export const PAYRAM_RETRY_SCHEDULE_MS = [0, 2_000, 4_000, 30 * MINUTE, HOUR, 2 * HOUR, 4 * HOUR, 8 * HOUR, 24 * HOUR, 48 * HOUR];

const noFault: EndpointFault = { mode: "none", rate: 1, count: null, latencyMs: 0 };

export function defaultRuntimeConfig(project: RuntimeConfig["project"], webhookUrls: string[]): RuntimeConfig {
  return {
    profile: "docs-2026",
    timeScale: 1,
    project,
    api: {
      statusShape: "camel",
      amounts: "string",
      cancelledSpelling: "CANCELLED",
      urlIncludesHost: false,
      siteUrlUnset: false,
      topUp: "same-reference",
      cancelOnCreate: "open-and-partially-filled",
      nullsBeforeAsset: false,
      bareWholeAmounts: false,
      unknownReference: "404",
      search: true,
    },
    confirmations: { required: 1, durationMs: 0, progressEveryMs: 0, progressWithoutPaymentInfoRate: 0 },
    webhooks: {
      urls: webhookUrls,
      enabled: true,
      method: "POST",
      signature: true,
      legacyApiKeyHeader: true,
      sendCancelled: true,
      ping: "unsigned",
      timeoutMs: 60_000,
      retryScheduleMs: PAYRAM_RETRY_SCHEDULE_MS,
    },
    payouts: {
      autoApproveLimitUsd: "500.00",
      hourlyLimitUsd: "5000.00",
      dailyLimitUsd: "10000.00",
      minimumUsd: "1.00",
      duplicateWindowMs: 5 * MINUTE,
      prices: { ETH: "3000.00", POL: "0.50", TRX: "0.25" },
      disabled: [],
      webhookRetries: 3,
    },
    faults: {
      seed: 1,
      create: { ...noFault },
      status: { ...noFault },
      payouts: { mode: "none", rate: 1, count: null, latencyMs: 0 },
      webhooks: { dropRate: 0, lostRate: 0, duplicateRate: 0, reorderRate: 0, reorderMaxHoldMs: 5_000, delayRate: 0, delayMs: 1_000 },
    },
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deep merge for partial updates: objects merge key by key, everything else (arrays too) replaces. */
export function mergeDeep(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch === undefined ? base : patch;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) merged[key] = mergeDeep(base[key], value);
  return merged;
}

export type ConfigResult = { ok: true; config: RuntimeConfig } | { ok: false; error: string };

/** Applies a partial config onto `base`; the error names each offending field by its dotted path. */
export function applyConfigPatch(base: RuntimeConfig, patch: unknown): ConfigResult {
  if (!isPlainObject(patch)) return { ok: false, error: "config must be a JSON object" };
  const parsed = runtimeConfigSchema.safeParse(mergeDeep(base, patch));
  if (parsed.success) return { ok: true, config: parsed.data };
  const error = parsed.error.issues
    .map((issue) => {
      const path = issue.path.map(String).join(".");
      const keys = issue.code === "unrecognized_keys" ? issue.keys.map((key) => (path ? `${path}.${key}` : key)).join(", ") : "";
      return keys ? `unknown field ${keys}` : `${path || "(root)"}: ${issue.message}`;
    })
    .join("; ");
  return { ok: false, error };
}
