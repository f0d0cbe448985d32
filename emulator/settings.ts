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
/** How a flag's text is read; `name` words its error. */
type Read = (name: string, raw: string) => unknown;

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
  (path: string, read: Read = (_name, raw) => raw): Setter =>
  (_options, patch, raw) =>
    setPath(patch, path.split("."), read(path, raw));

/** The start options, a flag each. */
const OPTION_FLAGS: Omit<CliSetting, "env">[] = [
  { flag: "port", help: "port to listen on (default 4000; 0 = any free port)", set: (o, _p, raw) => (o.port = integer("port", raw)) },
  { flag: "host", help: "interface to bind (default 127.0.0.1)", set: (o, _p, raw) => (o.host = raw) },
  { flag: "api-key", help: "the project API key (default emulator-dev-key)", set: (o, _p, raw) => (o.apiKey = raw) },
  { flag: "webhook-url", help: "webhook receiver(s), comma-separated, round-robin (default http://localhost:3000/api/webhook)", set: (o, _p, raw) => (o.webhookUrls = raw) },
  { flag: "public-url", help: "origin in returned host/url (default http://127.0.0.1:<port>)", set: (o, _p, raw) => (o.publicUrl = raw) },
  { flag: "merchant-name", help: "merchant shown on the hosted page (default Lumen Goods)", set: (o, _p, raw) => (o.merchantName = raw) },
  { flag: "success-url", help: "project success URL (default http://localhost:3000/checkout/return)", set: (o, _p, raw) => (o.successUrl = raw) },
  { flag: "cancel-url", help: "project cancel URL (default http://localhost:3000/checkout/return)", set: (o, _p, raw) => (o.cancelUrl = raw) },
  { flag: "max-body-bytes", help: "larger request bodies answer 413 (default 65536)", set: (o, _p, raw) => (o.maxBodyBytes = integer("max-body-bytes", raw)) },
  { flag: "log", help: "log one line per request (default true for the CLI)", set: (o, _p, raw) => (o.log = boolean("log", raw)) },
  {
    flag: "config",
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
  { flag: "profile", help: `${PROFILE_NAMES.join(" | ")}: a bundle of PayRam readings (default docs-2026)`, set: (o, _p, raw) => (o.profile = raw as ProfileName) },
];

/**
 * Shortcuts, one field of the runtime config each, folded into --config (`--status-shape snake` is
 * `{"api":{"statusShape":"snake"}}`): the flag, the field's path, what it takes, and its default
 * and how the text is read where they say more.
 */
const CONFIG_FLAGS: [flag: string, path: string, takes: string, more?: { default?: string; read?: Read }][] = [
  ["time-scale", "timeScale", "multiplies retry delays and confirmation times, e.g. 0.001", { default: "1", read: decimal }],
  ["status-shape", "api.statusShape", "camel | snake"],
  ["amounts", "api.amounts", "string | number"],
  ["cancelled-spelling", "api.cancelledSpelling", "CANCELLED | CANCELED"],
  ["url-includes-host", "api.urlIncludesHost", "true | false", { read: boolean }],
  ["site-url-unset", "api.siteUrlUnset", "true | false: create answers host/url on http://localhost", { read: boolean }],
  ["webhooks-enabled", "webhooks.enabled", "true | false", { read: boolean }],
  ["webhook-method", "webhooks.method", "POST | GET", { read: (_name, raw) => raw.toUpperCase() }],
  ["webhook-signature", "webhooks.signature", "true | false", { read: boolean }],
  ["webhook-legacy-header", "webhooks.legacyApiKeyHeader", "true | false", { read: boolean }],
  ["webhook-send-cancelled", "webhooks.sendCancelled", "true | false", { read: boolean }],
  ["webhook-ping", "webhooks.ping", "unsigned | empty-key"],
  ["top-up", "api.topUp", "same-reference | new-reference"],
  ["cancel-on-create", "api.cancelOnCreate", "open-and-partially-filled | open-only"],
  ["nulls-before-asset", "api.nullsBeforeAsset", "true | false", { read: boolean }],
  ["bare-whole-amounts", "api.bareWholeAmounts", "true | false", { read: boolean }],
  ["unknown-reference", "api.unknownReference", "404 | 500"],
  ["search", "api.search", "true | false: POST /api/v1/payment/search", { read: boolean }],
  ["confirmations", "confirmations.required", "confirmations required", { default: "1", read: integer }],
  ["confirmation-ms", "confirmations.durationMs", "time to confirm a deposit", { default: "0", read: integer }],
  ["confirmation-progress-ms", "confirmations.progressEveryMs", "a progress delivery every N ms while confirming", { default: "0 = none", read: integer }],
  ["webhook-timeout-ms", "webhooks.timeoutMs", "per-attempt timeout", { default: "60000", read: integer }],
  ["retry-schedule-ms", "webhooks.retryScheduleMs", "comma-separated delays before each retry", { read: (name, raw) => (raw.trim() === "" ? [] : raw.split(",").map((part) => integer(name, part))) }],
  ["payout-auto-approve-usd", "payouts.autoApproveLimitUsd", "payouts worth more USD wait in pending-approval", { default: "500.00" }],
  ["seed", "faults.seed", "seed of the fault PRNG", { default: "1", read: integer }],
];

/** Every flag, and its variable: EMULATOR_ and the flag in capitals (--time-scale: EMULATOR_TIME_SCALE). */
export const CLI_SETTINGS: CliSetting[] = [
  ...OPTION_FLAGS,
  ...CONFIG_FLAGS.map(([flag, path, takes, more = {}]) => ({
    flag,
    help: `${takes} (config ${path}${more.default === undefined ? "" : `, default ${more.default}`})`,
    set: toConfig(path, more.read),
  })),
].map((setting) => ({ ...setting, env: `EMULATOR_${setting.flag.toUpperCase().replaceAll("-", "_")}` }));

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
