import { describe, expect, it } from "vitest";
import { ConfigError, DEV_DEFAULTS, parseConfig } from "./config";

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("configuration", () => {
  it("runs a fresh clone with no environment at all", () => {
    const config = parseConfig({});
    expect(config.nodeEnv).toBe("development");
    expect(config.port).toBe(3000);
    expect(config.appBaseUrl).toBe("http://localhost:3000");
    expect(config.payram.baseUrl).toBe("http://127.0.0.1:4000");
    expect(config.payram.apiKey).toBe(DEV_DEFAULTS.PAYRAM_API_KEY);
    expect(config.database).toEqual({ kind: "sqlite", path: "data/shop.db" });
    expect(config.usesDevDefaults).toEqual({ payramApiKey: true, adminPassword: true });
  });

  it("reads every variable", () => {
    const config = parseConfig({
      NODE_ENV: "production",
      PORT: "8080",
      APP_BASE_URL: "https://shop.example.com/",
      PAYRAM_BASE_URL: "https://pay.example.com/",
      PAYRAM_API_KEY: "live-key-123456",
      PAYRAM_TIMEOUT_MS: "5000",
      PAYRAM_PAYMENT_TTL_MINUTES: "90",
      PAYRAM_CHECKOUT_ORIGINS: " https://checkout.example.com/ ,",
      PAYRAM_CUSTOMER_PREFIX: " shop-b_ ",
      DATABASE_URL: "postgres://shop:pw@db.internal:5432/shop",
      ADMIN_PASSWORD: "a long merchant password",
      SESSION_SECRET: "s".repeat(40),
    });
    expect(config.port).toBe(8080);
    expect(config.appBaseUrl).toBe("https://shop.example.com");
    expect(config.payram).toEqual({
      baseUrl: "https://pay.example.com",
      apiKey: "live-key-123456",
      timeoutMs: 5000,
      paymentTtlMs: 90 * 60_000,
      customerPrefix: "shop-b_",
      checkoutOrigins: ["https://pay.example.com", "https://checkout.example.com"],
      webhookKeys: ["live-key-123456"],
      webhookRequireSignature: false,
    });
    expect(config.sweepIntervalMs).toBe(15_000);
    expect(config.database).toEqual({ kind: "postgres", url: "postgres://shop:pw@db.internal:5432/shop" });
    expect(config.usesDevDefaults).toEqual({ payramApiKey: false, adminPassword: false });
  });

  it("accepts SQLite files by file: or sqlite: and treats an empty variable as unset", () => {
    expect(parseConfig({ DATABASE_URL: "file:/var/lib/shop/shop.db" }).database).toEqual({ kind: "sqlite", path: "/var/lib/shop/shop.db" });
    expect(parseConfig({ DATABASE_URL: "sqlite:data/other.db" }).database).toEqual({ kind: "sqlite", path: "data/other.db" });
    expect(parseConfig({ DATABASE_URL: "", PORT: "" }).port).toBe(3000);
  });

  it("names each bad variable and what it is for, in one line each", () => {
    const problems = problemsOf({ PAYRAM_BASE_URL: "pay.example.com", DATABASE_URL: "mysql://x", PORT: "99999" });
    expect(problems).toHaveLength(3);
    expect(problems.find((p) => p.startsWith("PAYRAM_BASE_URL"))).toMatch(/Site URL of your PayRam server.*http\(s\) URL/);
    expect(problems.find((p) => p.startsWith("DATABASE_URL"))).toMatch(/postgres:\/\//);
    expect(problems.find((p) => p.startsWith("PORT"))).toMatch(/between 1 and 65535/);
    for (const problem of problems) expect(problem).not.toContain("\n");
  });

  it("never echoes a secret's value in an error", () => {
    const problems = problemsOf({ PAYRAM_API_KEY: "short", SESSION_SECRET: "tooshort-secret" });
    expect(problems.join(" ")).not.toContain("short\"");
    expect(problems.join(" ")).not.toContain("tooshort-secret");
    expect(problems.some((p) => p.startsWith("SESSION_SECRET") && /32 characters/.test(p))).toBe(true);
  });

  it("refuses the public development defaults in production against a real PayRam", () => {
    // (Unset, ADMIN_PASSWORD makes no owner in production: only its public value is refused.)
    const problems = problemsOf({ NODE_ENV: "production", PAYRAM_BASE_URL: "https://pay.example.com", ADMIN_PASSWORD: "admin-dev-password" });
    expect(problems.map((p) => p.split(" ")[0]).sort()).toEqual(["ADMIN_PASSWORD", "PAYRAM_API_KEY", "SESSION_SECRET"]);
    expect(problems[0]).toMatch(/must be set in production/);
  });

  it("allows the defaults in production against a local emulator (the demo)", () => {
    expect(parseConfig({ NODE_ENV: "production", PAYRAM_BASE_URL: "http://127.0.0.1:4000" }).nodeEnv).toBe("production");
  });

  it("refuses the public merchant password and session secret in production with a real PayRam on this machine", () => {
    const problems = problemsOf({ NODE_ENV: "production", PAYRAM_BASE_URL: "http://127.0.0.1:8080", PAYRAM_API_KEY: "real-local-key-123456", ADMIN_PASSWORD: "admin-dev-password" });
    expect(problems.map((p) => p.split(" ")[0]).sort()).toEqual(["ADMIN_PASSWORD", "SESSION_SECRET"]);
  });

  it("makes the first owner from ADMIN_EMAIL and ADMIN_PASSWORD; production has none unless both are set, development a demo owner", () => {
    const production = { NODE_ENV: "production", PAYRAM_BASE_URL: "http://127.0.0.1:4000" } as const;
    expect(parseConfig(production)).toMatchObject({ adminEmail: null, adminPassword: null });
    expect(parseConfig({ ...production, ADMIN_EMAIL: " Owner@Example.com ", ADMIN_PASSWORD: "a long password" })).toMatchObject({ adminEmail: "owner@example.com", adminPassword: "a long password" });
    // A password alone is kept: the start refuses it on a database with no person (lib/jobs/startup.ts), naming ADMIN_EMAIL.
    expect(parseConfig({ ...production, ADMIN_PASSWORD: "a long password" })).toMatchObject({ adminEmail: null });
    expect(parseConfig({ NODE_ENV: "development" })).toMatchObject({ adminEmail: "owner@shop.localhost", adminPassword: "admin-dev-password" });
    expect(problemsOf({ ADMIN_EMAIL: "not an email" })[0]).toMatch(/^ADMIN_EMAIL /);
  });

  it("takes several webhook keys while a key is rotated, and can require signatures", () => {
    const config = parseConfig({ PAYRAM_API_KEY: "new-key-123456", PAYRAM_WEBHOOK_KEYS: "new-key-123456, old-key-123456", PAYRAM_WEBHOOK_REQUIRE_SIGNATURE: "true", SWEEP_INTERVAL_MS: "0" });
    expect(config.payram.webhookKeys).toEqual(["new-key-123456", "old-key-123456"]);
    expect(config.payram.webhookRequireSignature).toBe(true);
    expect(config.sweepIntervalMs).toBe(0);
    expect(problemsOf({ PAYRAM_WEBHOOK_REQUIRE_SIGNATURE: "yes" })[0]).toMatch(/^PAYRAM_WEBHOOK_REQUIRE_SIGNATURE .* must be true or false/);
  });

  it("refuses a checkout origin that is not a URL", () => {
    expect(problemsOf({ PAYRAM_CHECKOUT_ORIGINS: "https://ok.example.com,javascript:alert(1)" })[0]).toMatch(
      /^PAYRAM_CHECKOUT_ORIGINS .* has "javascript:alert\(1\)", which is not an http\(s\) origin/,
    );
  });

  it("keeps carts 30 days and the webhook log 14, deleting hourly, unless told otherwise", () => {
    expect(parseConfig({}).retention).toEqual({ cartDays: 30, webhookLogDays: 14, intervalMs: 3_600_000 });
    expect(parseConfig({ CART_RETENTION_DAYS: "7", WEBHOOK_LOG_RETENTION_DAYS: "90", RETENTION_INTERVAL_MS: "0" }).retention).toEqual({ cartDays: 7, webhookLogDays: 90, intervalMs: 0 });
    const problems = problemsOf({ CART_RETENTION_DAYS: "0", WEBHOOK_LOG_RETENTION_DAYS: "1.5", RETENTION_INTERVAL_MS: "-1" });
    expect(problems.find((p) => p.startsWith("CART_RETENTION_DAYS"))).toMatch(/without an addition.*at least 1/);
    expect(problems.find((p) => p.startsWith("WEBHOOK_LOG_RETENTION_DAYS"))).toMatch(/whole number of days/);
    expect(problems.find((p) => p.startsWith("RETENTION_INTERVAL_MS"))).toMatch(/0 \(off\) or more/);
  });

  it("names PayRam's customers order_<number> unless given another prefix, and refuses prefixes two shops could confuse", () => {
    expect(parseConfig({}).payram.customerPrefix).toBe("order_");
    expect(parseConfig({ PAYRAM_CUSTOMER_PREFIX: "eu.shop-2_" }).payram.customerPrefix).toBe("eu.shop-2_");
    expect(parseConfig({ PAYRAM_CUSTOMER_PREFIX: "x".repeat(32) }).payram.customerPrefix).toHaveLength(32);
    for (const bad of ["x".repeat(33), "order 1_", "shop/", "bo\u00eete_", "   "]) {
      expect(problemsOf({ PAYRAM_CUSTOMER_PREFIX: bad })[0]).toMatch(/^PAYRAM_CUSTOMER_PREFIX \(.*customer id.*\) must be 1 to 32 characters, each a letter, a digit, _, \. or -$/);
    }
    // "shop1" + 23 and "shop" + 123 would be one customer.
    expect(problemsOf({ PAYRAM_CUSTOMER_PREFIX: "shop1" })[0]).toMatch(/^PAYRAM_CUSTOMER_PREFIX .* must not end with a digit/);
  });

  it("refuses credentials inside PAYRAM_BASE_URL", () => {
    expect(problemsOf({ PAYRAM_BASE_URL: "https://user:pw@pay.example.com" })[0]).toMatch(/^PAYRAM_BASE_URL/);
  });
});
