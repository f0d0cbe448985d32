import { z } from "zod";

/**
 * The behaviour that tests and the demo switch at run time (GET/PUT /__emulator/config).
 * Everything here is reset to the start settings by POST /__emulator/reset.
 */

/** "undefined" is for the status endpoint only: the payment as it is, but in PayRam's UNDEFINED state. */
export const FAULT_MODES = ["none", "500", "502", "429", "code5", "hang", "undefined"] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

const rate = z.number().min(0).max(1);
const milliseconds = z.number().int().min(0).max(24 * 60 * 60 * 1000);

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

const httpUrl = z.url({ protocol: /^https?$/ });

export const runtimeConfigSchema = z.strictObject({
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
    timeoutMs: z.number().int().min(1).max(10 * 60 * 1000),
    /** Delay before each retry; its length is the number of retries. */
    retryScheduleMs: z.array(milliseconds).max(50),
  }),
  faults: z.strictObject({
    /** Seeds the PRNG behind every rate below; setting it restarts the sequence. */
    seed: z.number().int().min(0).max(0xffffffff),
    create: endpointFaultSchema.refine((fault) => fault.mode !== "undefined", { message: '"undefined" is a status fault', path: ["mode"] }),
    status: endpointFaultSchema,
    webhooks: z.strictObject({
      dropRate: rate,
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
export const PAYRAM_RETRY_SCHEDULE_MS = [0, 2_000, 4_000, 30 * MINUTE, 60 * MINUTE, 120 * MINUTE, 240 * MINUTE, 480 * MINUTE];

const noFault: EndpointFault = { mode: "none", rate: 1, count: null, latencyMs: 0 };

export function defaultRuntimeConfig(project: RuntimeConfig["project"], webhookUrls: string[]): RuntimeConfig {
  return {
    project,
    api: { statusShape: "camel", amounts: "string", cancelledSpelling: "CANCELLED", urlIncludesHost: false },
    webhooks: {
      urls: webhookUrls,
      enabled: true,
      method: "POST",
      signature: true,
      legacyApiKeyHeader: true,
      sendCancelled: true,
      timeoutMs: 60_000,
      retryScheduleMs: PAYRAM_RETRY_SCHEDULE_MS,
    },
    faults: {
      seed: 1,
      create: { ...noFault },
      status: { ...noFault },
      webhooks: { dropRate: 0, duplicateRate: 0, reorderRate: 0, reorderMaxHoldMs: 5_000, delayRate: 0, delayMs: 1_000 },
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
