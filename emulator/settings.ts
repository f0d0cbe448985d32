import { readFileSync } from "node:fs";
import { z } from "zod";
import { PROFILES } from "./profiles";
import { applyConfigPatch, defaultRuntimeConfig, mergeDeep, PROFILE_NAMES, type ProfileName, type RuntimeConfig } from "./runtime-config";

/**
 * Start settings: what `startEmulator(options)` accepts, and how `npm run emulator` fills those
 * options from EMULATOR_* variables and --flags (a flag wins over its variable).
 */

export interface EmulatorOptions {
  /** Default 4000; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The one project's API key. Default "emulator-dev-key". */
  apiKey?: string;
  /** Webhook receivers; a string may hold a comma-separated list. */
  webhookUrls?: string[] | string;
  /** Origin used in `host` and `url` of created payments. Default http://127.0.0.1:<port> (the listening address). */
  publicUrl?: string;
  merchantName?: string;
  successUrl?: string;
  cancelUrl?: string;
  /** Request bodies above this answer 413. Default 65536. */
  maxBodyBytes?: number;
  /** A bundle of PayRam readings (emulator/profiles.ts) laid over the defaults. Default "docs-2026". */
  profile?: ProfileName;
  /** A partial runtime config applied on top of the defaults and the profile (also restored by reset). */
  config?: unknown;
  /** true: one line per request on stdout; a function receives the lines; default false. */
  log?: boolean | ((line: string) => void);
}

export interface Settings {
  port: number;
  host: string;
  apiKey: string;
  publicUrl: string | null;
  maxBodyBytes: number;
  initialConfig: RuntimeConfig;
  log: ((line: string) => void) | null;
}

const httpUrl = z.url({ protocol: /^https?$/ });
const urlList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : value.split(",")).map((url) => url.trim()).filter(Boolean))
  .pipe(z.array(httpUrl));

const optionsSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).default(4000),
  host: z.string().min(1).default("127.0.0.1"),
  apiKey: z.string().min(1).default("emulator-dev-key"),
  webhookUrls: urlList.default(["http://localhost:3000/api/webhook"]),
  publicUrl: httpUrl.transform((url) => url.replace(/\/+$/, "")).optional(),
  merchantName: z.string().min(1).default("Lumen Goods"),
  successUrl: httpUrl.default("http://localhost:3000/checkout/return"),
  cancelUrl: httpUrl.default("http://localhost:3000/checkout/return"),
  maxBodyBytes: z.number().int().min(1).default(64 * 1024),
  profile: z.enum(PROFILE_NAMES).default("docs-2026"),
  config: z.unknown().optional(),
  log: z.union([z.boolean(), z.custom<(line: string) => void>((value) => typeof value === "function")]).default(false),
});

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.map(String).join(".") || "options"}: ${issue.message}`).join("; ");
}

export function resolveSettings(options: EmulatorOptions = {}): Settings {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw new Error(`Invalid emulator options: ${describeIssues(parsed.error)}`);
  const o = parsed.data;
  const base = defaultRuntimeConfig(
    { merchantName: o.merchantName, successUrl: o.successUrl, cancelUrl: o.cancelUrl },
    o.webhookUrls,
  );
  // Defaults, then the profile's readings, then --config (and the shortcut flags folded into it).
  const applied = applyConfigPatch(base, mergeDeep({ ...PROFILES[o.profile], profile: o.profile }, o.config));
  if (!applied.ok) throw new Error(`Invalid emulator config: ${applied.error}`);
  const initialConfig = applied.config;
  const log = o.log === true ? (line: string) => console.log(line) : o.log === false ? null : o.log;
  return { port: o.port, host: o.host, apiKey: o.apiKey, publicUrl: o.publicUrl ?? null, maxBodyBytes: o.maxBodyBytes, initialConfig, log };
}

/* ---------- command line and environment ---------- */

type Setter = (options: EmulatorOptions, patch: Record<string, unknown>, raw: string) => void;

interface CliSetting {
  flag: string;
  env: string;
  help: string;
  set: Setter;
}

function integer(name: string, raw: string): number {
  if (!/^\d+$/.test(raw.trim())) throw new Error(`${name} must be a whole number, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

function decimal(name: string, raw: string): number {
  if (!/^\d+(\.\d+)?(e-?\d+)?$/i.test(raw.trim())) throw new Error(`${name} must be a number, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

function boolean(name: string, raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(value)) return true;
  if (["0", "false", "no", "off"].includes(value)) return false;
  throw new Error(`${name} must be true or false, got ${JSON.stringify(raw)}`);
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

const toConfig =
  (path: string, convert: (name: string, raw: string) => unknown = (_name, raw) => raw): Setter =>
  (_options, patch, raw) =>
    setPath(patch, path.split("."), convert(path, raw));

export const CLI_SETTINGS: CliSetting[] = [
  { flag: "port", env: "EMULATOR_PORT", help: "port to listen on (default 4000; 0 = any free port)", set: (o, _p, raw) => (o.port = integer("port", raw)) },
  { flag: "host", env: "EMULATOR_HOST", help: "interface to bind (default 127.0.0.1)", set: (o, _p, raw) => (o.host = raw) },
  { flag: "api-key", env: "EMULATOR_API_KEY", help: "the project API key (default emulator-dev-key)", set: (o, _p, raw) => (o.apiKey = raw) },
  { flag: "webhook-url", env: "EMULATOR_WEBHOOK_URL", help: "webhook receiver(s), comma-separated, round-robin (default http://localhost:3000/api/webhook)", set: (o, _p, raw) => (o.webhookUrls = raw) },
  { flag: "public-url", env: "EMULATOR_PUBLIC_URL", help: "origin in returned host/url (default http://127.0.0.1:<port>)", set: (o, _p, raw) => (o.publicUrl = raw) },
  { flag: "merchant-name", env: "EMULATOR_MERCHANT_NAME", help: "merchant shown on the hosted page (default Lumen Goods)", set: (o, _p, raw) => (o.merchantName = raw) },
  { flag: "success-url", env: "EMULATOR_SUCCESS_URL", help: "project success URL (default http://localhost:3000/checkout/return)", set: (o, _p, raw) => (o.successUrl = raw) },
  { flag: "cancel-url", env: "EMULATOR_CANCEL_URL", help: "project cancel URL (default http://localhost:3000/checkout/return)", set: (o, _p, raw) => (o.cancelUrl = raw) },
  { flag: "max-body-bytes", env: "EMULATOR_MAX_BODY_BYTES", help: "larger request bodies answer 413 (default 65536)", set: (o, _p, raw) => (o.maxBodyBytes = integer("max-body-bytes", raw)) },
  { flag: "log", env: "EMULATOR_LOG", help: "log one line per request (default true for the CLI)", set: (o, _p, raw) => (o.log = boolean("log", raw)) },
  {
    flag: "config",
    env: "EMULATOR_CONFIG",
    help: "partial runtime config as JSON, or @path/to/file.json (same shape as PUT /__emulator/config)",
    set: (o, _p, raw) => {
      const text = raw.startsWith("@") ? readFileSync(raw.slice(1), "utf8") : raw;
      try {
        o.config = JSON.parse(text);
      } catch {
        throw new Error("config is not valid JSON");
      }
    },
  },
  { flag: "profile", env: "EMULATOR_PROFILE", help: `${PROFILE_NAMES.join(" | ")}: a bundle of PayRam readings (default docs-2026)`, set: (o, _p, raw) => (o.profile = raw as ProfileName) },
  { flag: "time-scale", env: "EMULATOR_TIME_SCALE", help: "multiplies retry delays and confirmation times, e.g. 0.001 (config timeScale, default 1)", set: toConfig("timeScale", decimal) },
  { flag: "status-shape", env: "EMULATOR_STATUS_SHAPE", help: "camel | snake (config api.statusShape)", set: toConfig("api.statusShape") },
  { flag: "amounts", env: "EMULATOR_AMOUNTS", help: "string | number (config api.amounts)", set: toConfig("api.amounts") },
  { flag: "cancelled-spelling", env: "EMULATOR_CANCELLED_SPELLING", help: "CANCELLED | CANCELED (config api.cancelledSpelling)", set: toConfig("api.cancelledSpelling") },
  { flag: "url-includes-host", env: "EMULATOR_URL_INCLUDES_HOST", help: "true | false (config api.urlIncludesHost)", set: toConfig("api.urlIncludesHost", boolean) },
  { flag: "site-url-unset", env: "EMULATOR_SITE_URL_UNSET", help: "true | false: create answers host/url on http://localhost (config api.siteUrlUnset)", set: toConfig("api.siteUrlUnset", boolean) },
  { flag: "webhooks-enabled", env: "EMULATOR_WEBHOOKS_ENABLED", help: "true | false (config webhooks.enabled)", set: toConfig("webhooks.enabled", boolean) },
  { flag: "webhook-method", env: "EMULATOR_WEBHOOK_METHOD", help: "POST | GET (config webhooks.method)", set: toConfig("webhooks.method", (_n, raw) => raw.toUpperCase()) },
  { flag: "webhook-signature", env: "EMULATOR_WEBHOOK_SIGNATURE", help: "true | false (config webhooks.signature)", set: toConfig("webhooks.signature", boolean) },
  { flag: "webhook-legacy-header", env: "EMULATOR_WEBHOOK_LEGACY_HEADER", help: "true | false (config webhooks.legacyApiKeyHeader)", set: toConfig("webhooks.legacyApiKeyHeader", boolean) },
  { flag: "webhook-send-cancelled", env: "EMULATOR_WEBHOOK_SEND_CANCELLED", help: "true | false (config webhooks.sendCancelled)", set: toConfig("webhooks.sendCancelled", boolean) },
  { flag: "webhook-ping", env: "EMULATOR_WEBHOOK_PING", help: "unsigned | empty-key (config webhooks.ping)", set: toConfig("webhooks.ping") },
  { flag: "top-up", env: "EMULATOR_TOP_UP", help: "same-reference | new-reference (config api.topUp)", set: toConfig("api.topUp") },
  { flag: "cancel-on-create", env: "EMULATOR_CANCEL_ON_CREATE", help: "open-and-partially-filled | open-only (config api.cancelOnCreate)", set: toConfig("api.cancelOnCreate") },
  { flag: "nulls-before-asset", env: "EMULATOR_NULLS_BEFORE_ASSET", help: "true | false (config api.nullsBeforeAsset)", set: toConfig("api.nullsBeforeAsset", boolean) },
  { flag: "bare-whole-amounts", env: "EMULATOR_BARE_WHOLE_AMOUNTS", help: "true | false (config api.bareWholeAmounts)", set: toConfig("api.bareWholeAmounts", boolean) },
  { flag: "unknown-reference", env: "EMULATOR_UNKNOWN_REFERENCE", help: "404 | 500 (config api.unknownReference)", set: toConfig("api.unknownReference") },
  { flag: "search", env: "EMULATOR_SEARCH", help: "true | false: POST /api/v1/payment/search (config api.search)", set: toConfig("api.search", boolean) },
  { flag: "confirmations", env: "EMULATOR_CONFIRMATIONS", help: "confirmations required (config confirmations.required, default 1)", set: toConfig("confirmations.required", integer) },
  { flag: "confirmation-ms", env: "EMULATOR_CONFIRMATION_MS", help: "time to confirm a deposit (config confirmations.durationMs, default 0)", set: toConfig("confirmations.durationMs", integer) },
  { flag: "confirmation-progress-ms", env: "EMULATOR_CONFIRMATION_PROGRESS_MS", help: "a progress delivery every N ms while confirming (config confirmations.progressEveryMs, default 0 = none)", set: toConfig("confirmations.progressEveryMs", integer) },
  { flag: "webhook-timeout-ms", env: "EMULATOR_WEBHOOK_TIMEOUT_MS", help: "per-attempt timeout (config webhooks.timeoutMs, default 60000)", set: toConfig("webhooks.timeoutMs", integer) },
  {
    flag: "retry-schedule-ms",
    env: "EMULATOR_RETRY_SCHEDULE_MS",
    help: "comma-separated delays before each retry (config webhooks.retryScheduleMs)",
    set: toConfig("webhooks.retryScheduleMs", (name, raw) => (raw.trim() === "" ? [] : raw.split(",").map((part) => integer(name, part)))),
  },
  { flag: "payout-auto-approve-usd", env: "EMULATOR_PAYOUT_AUTO_APPROVE_USD", help: "payouts worth more USD wait in pending-approval (config payouts.autoApproveLimitUsd, default 500.00)", set: toConfig("payouts.autoApproveLimitUsd") },
  { flag: "seed", env: "EMULATOR_SEED", help: "seed of the fault PRNG (config faults.seed, default 1)", set: toConfig("faults.seed", integer) },
];

const HELP_HEADER = `PayRam emulator — a local PayRam API, hosted payment page and webhook sender.

Usage: npm run emulator -- [--flag value]...   (every flag also reads from its EMULATOR_* variable)
`;

export function helpText(): string {
  const lines = CLI_SETTINGS.map((s) => `  --${s.flag.padEnd(24)} ${s.env.padEnd(32)} ${s.help}`);
  return `${HELP_HEADER}\n${lines.join("\n")}\n  --help\n`;
}

export type CliResult = { kind: "help" } | { kind: "run"; options: EmulatorOptions };

/** Builds options from the environment, then from argv (flags win). Throws on bad input. */
export function parseCli(argv: string[], env: Record<string, string | undefined>): CliResult {
  const options: EmulatorOptions = { log: true };
  const patch: Record<string, unknown> = {};
  const apply = (setting: CliSetting, raw: string) => setting.set(options, patch, raw);
  for (const setting of CLI_SETTINGS) {
    const raw = env[setting.env];
    if (raw !== undefined && raw !== "") apply(setting, raw);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--help" || arg === "-h") return { kind: "help" };
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    const setting = match ? CLI_SETTINGS.find((s) => s.flag === match[1]) : undefined;
    if (!match || !setting) throw new Error(`unknown argument ${JSON.stringify(arg)} (see --help)`);
    let value = match[2];
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined) throw new Error(`--${setting.flag} needs a value`);
      i++;
    }
    apply(setting, value);
  }
  if (Object.keys(patch).length > 0) options.config = mergeConfigOption(options.config, patch);
  return { kind: "run", options };
}

/** Shortcut flags refine (and win over) a JSON config given with --config / EMULATOR_CONFIG. */
function mergeConfigOption(config: unknown, patch: Record<string, unknown>): unknown {
  if (config === undefined) return patch;
  // A config that is not an object is left as is, so that resolveSettings reports it.
  if (typeof config !== "object" || config === null || Array.isArray(config)) return config;
  return mergeDeep(config, patch);
}
