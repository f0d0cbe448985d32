import { z } from "zod";

/**
 * Every environment variable the shop reads, parsed once with zod.
 *
 * Not validated at import time: `next build` evaluates modules and must need no secrets.
 * The server validates at start (instrumentation.ts) and each command-line entry calls
 * `loadConfig()` first; a bad variable stops them with one readable line per variable.
 */

/** PAYRAM_CUSTOMER_PREFIX's default (lib/payram/ids.ts gives customer ids with it). */
export const DEFAULT_CUSTOMER_PREFIX = "order_";

/**
 * Development defaults: a fresh clone runs with no .env. They are public: production refuses the
 * secret ones (productionDefaultsIn) and leaves the others unset (orDevDefault).
 */
export const DEV_DEFAULTS = {
  PAYRAM_API_KEY: "emulator-dev-key",
  ADMIN_PASSWORD: "admin-dev-password",
  ADMIN_EMAIL: "owner@shop.localhost",
  SESSION_SECRET: "dev-session-secret-change-me-in-production-0123456789",
  /** The local inbox `npm run dev` starts (MailDev): its SMTP port; its web inbox is http://localhost:1080/index.html. */
  SMTP_URL: "smtp://127.0.0.1:1025",
} as const;

/** What each variable is for, used in error messages and mirrored in .env.example. */
export const CONFIG_HELP = {
  NODE_ENV: "the runtime mode: development, production or test",
  PORT: "the port the shop listens on",
  APP_BASE_URL: "the shop's public origin, used in links and emails",
  PAYRAM_BASE_URL: "the Site URL of your PayRam server, e.g. https://pay.example.com",
  PAYRAM_API_KEY: "the PayRam project API key, never logged or sent to the browser",
  PAYRAM_TIMEOUT_MS: "how long one call to PayRam may take, in milliseconds",
  PAYRAM_PAYMENT_TTL_MINUTES: "how long a PayRam payment stays open before it expires, in minutes",
  PAYRAM_CUSTOMER_PREFIX:
    "what the customer id this shop gives PayRam for each order starts with (<prefix><order number>); shops sharing one PayRam project need different ones",
  PAYRAM_CHECKOUT_ORIGINS:
    "comma-separated origins besides PAYRAM_BASE_URL's where PayRam may serve its payment page",
  PAYRAM_WEBHOOK_KEYS:
    "comma-separated keys that may sign PayRam's webhooks (default: PAYRAM_API_KEY); list the old and new key while rotating",
  PAYRAM_WEBHOOK_REQUIRE_SIGNATURE: "true to refuse webhooks that carry only PayRam's legacy plain-text key header, unsigned",
  SWEEP_INTERVAL_MS: "how often open payments are re-checked with PayRam in the background, in milliseconds (0 turns it off)",
  ATTENTION_PARTIAL_AFTER_MINUTES: "after how many quiet minutes a partly paid order needs the merchant's attention",
  TRUSTED_PROXY_COUNT: "how many reverse proxies in front of the shop append to X-Forwarded-For (0: none)",
  CART_RETENTION_DAYS: "after how many days without an addition a cart is deleted",
  WEBHOOK_LOG_RETENTION_DAYS:
    "after how many days webhook deliveries that changed no order (refused, duplicates, unknown payments) are deleted",
  RETENTION_INTERVAL_MS: "how often old carts, rate-limit windows and webhook deliveries are deleted, in milliseconds (0 turns it off)",
  SHUTDOWN_DRAIN_MS:
    "on SIGTERM, how long the shop keeps serving while /api/health/ready answers 503, so a load balancer stops sending it requests first, in milliseconds (0: stop at once)",
  METRICS_TOKEN: "the bearer token Prometheus sends to read /api/metrics, 16 characters or more; unset: /api/metrics does not exist (404)",
  DATABASE_URL: "the database: unset for the embedded SQLite file, file:<path> for another SQLite file, postgres://… for Postgres",
  ADMIN_PASSWORD: "the first owner's password, used once to create them on a database with no merchant account yet",
  ADMIN_EMAIL: "the first owner's email (with ADMIN_PASSWORD: creates them on a database with no merchant account yet)",
  SESSION_SECRET: "the key that signs session cookies, 32 characters or more",
  SHOP_NAME: "the shop's name, in the mails it sends",
  SMTP_URL:
    "where mail is sent, e.g. smtp://user:pass@mail.example.com:587 (smtps:// for TLS from the start); unset in production: mail is off and kept in the outbox",
  MAIL_FROM: "the sender of the shop's mails, e.g. Lumen Goods <orders@example.com>",
  MERCHANT_EMAIL: "where the merchant's alerts go (a new paid order, something that needs attention); unset: none are sent",
} as const;

type ConfigName = keyof typeof CONFIG_HELP;

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

function isLocalUrl(url: URL): boolean {
  return LOCAL_HOSTS.has(url.hostname) || url.hostname.endsWith(".localhost");
}

const httpUrl = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "http:" || url.protocol === "https:") && url.username === "" && url.password === "";
    } catch {
      return false;
    }
  }, "must be an http(s) URL with no user or password")
  // Keep the origin and path, drop any trailing slash, so "…/api/v1/x" joins cleanly.
  .transform((value) => value.replace(/\/+$/, ""));

const port = z.coerce
  .number({ message: "must be a whole number" })
  .int("must be a whole number")
  .min(1, "must be between 1 and 65535")
  .max(65535, "must be between 1 and 65535");

export type DatabaseConfig =
  | { kind: "sqlite"; path: string }
  | { kind: "postgres"; url: string };

const databaseUrl = z
  .string()
  .trim()
  .optional()
  .transform((value, ctx): DatabaseConfig => {
    if (value === undefined || value === "") return { kind: "sqlite", path: "data/shop.db" };
    if (/^postgres(ql)?:\/\//.test(value)) {
      try {
        new URL(value);
      } catch {
        ctx.addIssue({ code: "custom", message: "is not a valid postgres:// URL" });
        return z.NEVER;
      }
      return { kind: "postgres", url: value };
    }
    const file = /^(file|sqlite):(.+)$/.exec(value);
    if (file?.[2]) return { kind: "sqlite", path: file[2].replace(/^\/\/(?=\/)/, "") };
    ctx.addIssue({ code: "custom", message: "must start with postgres://, postgresql://, file: or sqlite:" });
    return z.NEVER;
  });

const days = z.coerce
  .number({ message: "must be a whole number of days" })
  .int("must be a whole number of days")
  .min(1, "must be at least 1")
  .max(3650, "must be at most 3650");

/** A variable production can do without: its value; unset, its development default, or null in production. */
function orDevDefault(env: { NODE_ENV: string; ADMIN_PASSWORD?: string; SMTP_URL?: string }, name: "ADMIN_PASSWORD" | "SMTP_URL"): string | null {
  return env[name] ?? (env.NODE_ENV === "production" ? null : DEV_DEFAULTS[name]);
}

const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: port.default(3000),
    APP_BASE_URL: httpUrl.optional(),
    PAYRAM_BASE_URL: httpUrl.default("http://127.0.0.1:4000"),
    PAYRAM_API_KEY: z.string().trim().min(8, "must be at least 8 characters").default(DEV_DEFAULTS.PAYRAM_API_KEY),
    PAYRAM_TIMEOUT_MS: z.coerce
      .number({ message: "must be a whole number" })
      .int("must be a whole number")
      .min(100, "must be at least 100")
      .max(120_000, "must be at most 120000")
      .default(15_000),
    PAYRAM_PAYMENT_TTL_MINUTES: z.coerce
      .number({ message: "must be a whole number" })
      .int("must be a whole number")
      .min(5, "must be at least 5")
      .max(7 * 24 * 60, "must be at most 10080 (a week)")
      .default(60),
    PAYRAM_CUSTOMER_PREFIX: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_.-]{1,32}$/, "must be 1 to 32 characters, each a letter, a digit, _, . or -")
      // A prefix ending in a digit would make "shop1" + 23 and "shop" + 123 the same customer.
      .refine((value) => !/\d$/.test(value), "must not end with a digit (the order number follows it)")
      .default(DEFAULT_CUSTOMER_PREFIX),
    PAYRAM_CHECKOUT_ORIGINS: z
      .string()
      .optional()
      .transform((value, ctx) => {
        const origins: string[] = [];
        for (const item of (value ?? "").split(",").map((part) => part.trim()).filter(Boolean)) {
          const parsed = httpUrl.safeParse(item);
          if (!parsed.success) {
            ctx.addIssue({ code: "custom", message: `has ${JSON.stringify(item)}, which is not an http(s) origin` });
            return z.NEVER;
          }
          origins.push(new URL(parsed.data).origin);
        }
        return origins;
      }),
    PAYRAM_WEBHOOK_KEYS: z
      .string()
      .optional()
      .transform((value) => (value ?? "").split(",").map((key) => key.trim()).filter(Boolean)),
    PAYRAM_WEBHOOK_REQUIRE_SIGNATURE: z
      .enum(["true", "false", "1", "0"], { message: "must be true or false" })
      .default("false")
      .transform((value) => value === "true" || value === "1"),
    SWEEP_INTERVAL_MS: z.coerce
      .number({ message: "must be a whole number" })
      .int("must be a whole number")
      .min(0, "must be 0 (off) or more")
      .max(86_400_000, "must be at most 86400000")
      .default(15_000),
    ATTENTION_PARTIAL_AFTER_MINUTES: z.coerce
      .number({ message: "must be a whole number" })
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .default(60),
    TRUSTED_PROXY_COUNT: z.coerce
      .number({ message: "must be a whole number" })
      .int("must be a whole number")
      .min(0, "must be 0 or more")
      .max(5, "must be at most 5")
      .default(0),
    CART_RETENTION_DAYS: days.default(30),
    WEBHOOK_LOG_RETENTION_DAYS: days.default(14),
    RETENTION_INTERVAL_MS: z.coerce
      .number({ message: "must be a whole number" })
      .int("must be a whole number")
      .min(0, "must be 0 (off) or more")
      .max(86_400_000, "must be at most 86400000")
      .default(60 * 60_000),
    SHUTDOWN_DRAIN_MS: z.coerce
      .number({ message: "must be a whole number" })
      .int("must be a whole number")
      .min(0, "must be 0 (no drain) or more")
      .max(20_000, "must be at most 20000 (the stop itself may take the rest of a usual 30 s grace period)")
      .default(0),
    METRICS_TOKEN: z.string().trim().min(16, "must be at least 16 characters").optional(),
    DATABASE_URL: databaseUrl,
    ADMIN_PASSWORD: z.string().min(8, "must be at least 8 characters").optional(),
    ADMIN_EMAIL: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/, "must be an email address")
      .optional(),
    SESSION_SECRET: z.string().min(32, "must be at least 32 characters").default(DEV_DEFAULTS.SESSION_SECRET),
    SHOP_NAME: z.string().trim().min(1).max(80, "must be at most 80 characters").default("Lumen Goods"),
    SMTP_URL: z
      .string()
      .trim()
      .refine((value) => {
        try {
          const url = new URL(value);
          return (url.protocol === "smtp:" || url.protocol === "smtps:") && url.hostname !== "";
        } catch {
          return false;
        }
      }, "must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example.com:587")
      .optional(),
    MAIL_FROM: z
      .string()
      .trim()
      .regex(/^(?:[^<>\r\n]{0,80}<[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)$/, "must be an address, or a name and <address>")
      .default("Lumen Goods <orders@shop.localhost>"),
    MERCHANT_EMAIL: z
      .string()
      .trim()
      .regex(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/, "must be an email address")
      .optional(),
  })
  .transform((env) => ({
    nodeEnv: env.NODE_ENV,
    port: env.PORT,
    appBaseUrl: env.APP_BASE_URL ?? `http://localhost:${env.PORT}`,
    /** Who passkeys are made for and checked against (lib/auth/passkeys.ts): APP_BASE_URL's host and origin. */
    passkeys: relyingParty(env.APP_BASE_URL ?? `http://localhost:${env.PORT}`, env.SHOP_NAME),
    payram: {
      baseUrl: env.PAYRAM_BASE_URL,
      apiKey: env.PAYRAM_API_KEY,
      timeoutMs: env.PAYRAM_TIMEOUT_MS,
      /** Sent as each payment's `expire`; the sweep looks again right after it. */
      paymentTtlMs: env.PAYRAM_PAYMENT_TTL_MINUTES * 60_000,
      /** Customer ids given to PayRam are `<customerPrefix><order number>` (lib/payram/ids.ts). */
      customerPrefix: env.PAYRAM_CUSTOMER_PREFIX,
      /** Origins the shopper may be redirected to for payment (PayRam's `host` is added per payment). */
      checkoutOrigins: [new URL(env.PAYRAM_BASE_URL).origin, ...env.PAYRAM_CHECKOUT_ORIGINS],
      /** Keys whose signature (or legacy plain-text key header) a webhook may carry. */
      webhookKeys: env.PAYRAM_WEBHOOK_KEYS.length > 0 ? env.PAYRAM_WEBHOOK_KEYS : [env.PAYRAM_API_KEY],
      webhookRequireSignature: env.PAYRAM_WEBHOOK_REQUIRE_SIGNATURE,
    },
    sweepIntervalMs: env.SWEEP_INTERVAL_MS,
    attentionPartialAfterMinutes: env.ATTENTION_PARTIAL_AFTER_MINUTES,
    trustedProxyCount: env.TRUSTED_PROXY_COUNT,
    /** What lib/jobs/retention.ts deletes, and how often the server runs it. */
    retention: {
      cartDays: env.CART_RETENTION_DAYS,
      webhookLogDays: env.WEBHOOK_LOG_RETENTION_DAYS,
      intervalMs: env.RETENTION_INTERVAL_MS,
    },
    shutdownDrainMs: env.SHUTDOWN_DRAIN_MS,
    /** Null: no metrics endpoint. */
    metricsToken: env.METRICS_TOKEN ?? null,
    database: env.DATABASE_URL,
    /**
     * The first owner, made at start on a database with no person (lib/auth/people.ts
     * ensureFirstOwner). Development without either: a known demo owner. Production: none unless set.
     */
    adminPassword: orDevDefault(env, "ADMIN_PASSWORD"),
    adminEmail: env.ADMIN_EMAIL ?? (env.NODE_ENV !== "production" && env.ADMIN_PASSWORD === undefined ? DEV_DEFAULTS.ADMIN_EMAIL : null),
    sessionSecret: env.SESSION_SECRET,
    mail: {
      shopName: env.SHOP_NAME,
      /** Unset in production: mail is off (said at start and in the merchant area), the outbox keeps it. Development: the local inbox `npm run dev` starts. */
      smtpUrl: orDevDefault(env, "SMTP_URL"),
      from: env.MAIL_FROM,
      merchantEmail: env.MERCHANT_EMAIL ?? null,
    },
    /** True when the merchant left a development default in place (printed at start). */
    usesDevDefaults: {
      payramApiKey: env.PAYRAM_API_KEY === DEV_DEFAULTS.PAYRAM_API_KEY,
      adminPassword: orDevDefault(env, "ADMIN_PASSWORD") === DEV_DEFAULTS.ADMIN_PASSWORD,
    },
  }));

/**
 * The WebAuthn relying party: a passkey answer counts only when the browser made it on this
 * origin, for this host name (the RP ID). Passkeys need a host name served over HTTPS (or
 * localhost): browsers refuse them on a bare IP address.
 */
export interface RelyingParty {
  id: string;
  origin: string;
  name: string;
}

function relyingParty(appBaseUrl: string, name: string): RelyingParty {
  const url = new URL(appBaseUrl);
  return { id: url.hostname, origin: url.origin, name };
}

export type Config = z.output<typeof envSchema>;

/** A configuration problem, already phrased for a person: one line per bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
  }
}

/** Parses an environment; throws ConfigError naming every bad variable (never echoing a value). */
export function parseConfig(env: Record<string, string | undefined>): Config {
  // Treat "VAR=" as unset, as shells and .env files commonly leave it.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const result = envSchema.safeParse(cleaned);
  const issues = result.success
    ? productionDefaultsIn(result.data)
    : result.error.issues.map((issue) => ({ name: String(issue.path[0] ?? "environment"), message: issue.message }));
  if (result.success && issues.length === 0) return result.data;
  const problems = issues.map(({ name, message }) => {
    const help = CONFIG_HELP[name as ConfigName];
    return help ? `${name} (${help}) ${message}` : `${name} ${message}`;
  });
  throw new ConfigError([...new Set(problems)]);
}

/**
 * Development defaults are public: refuse them in production, except in the demo (the local
 * emulator, reached with its development key). A real PayRam on this machine is no demo: with a
 * known session secret anyone could forge the merchant's session.
 */
function productionDefaultsIn(config: Config): { name: string; message: string }[] {
  if (config.nodeEnv !== "production") return [];
  if (isLocalUrl(new URL(config.payram.baseUrl)) && config.payram.apiKey === DEV_DEFAULTS.PAYRAM_API_KEY) return [];
  const values = {
    PAYRAM_API_KEY: config.payram.apiKey,
    ADMIN_PASSWORD: config.adminPassword,
    SESSION_SECRET: config.sessionSecret,
  };
  return (Object.keys(values) as (keyof typeof values)[])
    .filter((name) => values[name] === DEV_DEFAULTS[name])
    .map((name) => ({ name, message: "must be set in production: the development default is public" }));
}

let cached: Config | undefined;

/** The process's configuration, parsed on first use. */
export function loadConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}
