import { resolve } from "node:path";
import { defineConfig, devices } from "@playwright/test";
import { ALONE } from "./e2e/alone";
import { CHROMIUM_ARGS, chromiumPath } from "./e2e/browser";
import { APP_PORT, APP_URL, E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD, E2E_API_KEY, E2E_METRICS_TOKEN, E2E_SESSION_SECRET, EMULATOR_PORT, EMULATOR_URL } from "./e2e/urls";

/**
 * The app under test: the standalone server (what the Docker image runs), built once per run, on a
 * fresh SQLite file of its own (named by its port: two suites can run side by side).
 */
const E2E_DATA = `data/e2e-${APP_PORT}`;
export const E2E_DATABASE = `${E2E_DATA}/shop.db`;
export const E2E_SERVER_LOG = `${E2E_DATA}/server.log`;

/**
 * E2E_PART=shared: the specs that share the server and the emulator, two at a time; E2E_PART=alone:
 * the specs of e2e/alone.ts, one at a time. Each part ends with the log check of its own server.
 * `npm test` runs the two parts at once, each with its own server and emulator (other ports), so
 * the alone specs' waits overlap the rest instead of following it. Unset: everything, in order.
 */
const PART = process.env.E2E_PART;
if (PART !== undefined && PART !== "shared" && PART !== "alone") throw new Error(`E2E_PART must be shared or alone, not ${PART}`);

// The specs' own library calls (placing orders for the shutdown tests) log nothing; the servers
// they start say which level they want.
process.env.LOG_LEVEL ??= "silent";

/** E2E_USE_BUILD=1: `npm test` has already made the production build (beside the unit tests). */
const build = process.env.E2E_USE_BUILD === "1" ? "" : "node scripts/build.mjs && ";

const browserUse = {
  ...devices["Desktop Chrome"],
  launchOptions: {
    executablePath: chromiumPath,
    args: CHROMIUM_ARGS,
  },
};

export default defineConfig({
  testDir: "./e2e",
  // e2e/*.test.ts are vitest's (checks of the suite itself).
  testMatch: /\.spec\.ts$/,
  workers: 2,
  reporter: process.env.CI ? [["list"], ["html", { open: "never", outputFolder: `playwright-report/${PART ?? "all"}` }]] : "list",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  use: {
    baseURL: APP_URL,
    // A trace of every test costs a quarter to a third of the suite's CPU on two cores (measured:
    // 126–133 s without, 162–181 s with, for the same nine tests): on when asked (E2E_TRACE=1).
    trace: process.env.E2E_TRACE === "1" ? "retain-on-failure" : "off",
    screenshot: "only-on-failure",
  },
  outputDir: `test-results/${PART ?? "all"}`,
  projects: [
    ...(PART !== "alone" ? [{ name: "chromium", testIgnore: [/logs\.spec\.ts/, ALONE], use: browserUse }] : []),
    ...(PART !== "shared" ? [{ name: "alone", testMatch: ALONE, dependencies: PART ? [] : ["chromium"], workers: 1, use: browserUse }] : []),
    // After every other spec: what the server wrote while they ran.
    { name: "logs", testMatch: /logs\.spec\.ts/, dependencies: [PART === "shared" ? "chromium" : "alone"] },
  ],
  webServer: [
    {
      // PayRam, played by the emulator on 127.0.0.1: another site than the shop on localhost.
      command: "tsx emulator/main.ts",
      url: `${EMULATOR_URL}/api/v1/health`,
      reuseExistingServer: false,
      timeout: 60_000,
      env: {
        EMULATOR_PORT: String(EMULATOR_PORT),
        EMULATOR_API_KEY: E2E_API_KEY,
        EMULATOR_PUBLIC_URL: EMULATOR_URL,
        EMULATOR_WEBHOOK_URL: `${APP_URL}/api/webhook`,
        EMULATOR_SUCCESS_URL: `${APP_URL}/checkout/return`,
        EMULATOR_CANCEL_URL: `${APP_URL}/checkout/return`,
      },
    },
    {
      // The server's log is kept for e2e/logs.spec.ts, which scans it for secrets after the run.
      command: `rm -rf ${E2E_DATA} && mkdir -p ${E2E_DATA} && ${build}node .next/standalone/server.js 2>&1 | tee ${E2E_SERVER_LOG}`,
      url: `${APP_URL}/api/health`,
      reuseExistingServer: false,
      timeout: 300_000,
      stdout: "pipe",
      env: {
        NEXT_TELEMETRY_DISABLED: "1",
        // The standalone server runs from .next/standalone (it changes into it): paths are absolute.
        PORT: String(APP_PORT),
        // Both localhost (::1) and 127.0.0.1: the server's own default is IPv4 only.
        HOSTNAME: "::",
        DATABASE_URL: `file:${resolve(E2E_DATABASE)}`,
        PAYRAM_BASE_URL: EMULATOR_URL,
        PAYRAM_API_KEY: E2E_API_KEY,
        ADMIN_EMAIL: E2E_ADMIN_EMAIL,
        ADMIN_PASSWORD: E2E_ADMIN_PASSWORD,
        SESSION_SECRET: E2E_SESSION_SECRET,
        APP_BASE_URL: APP_URL,
        // No background sweep: each spec shows which path (webhook, poll) brought the news.
        SWEEP_INTERVAL_MS: "0",
        // A PayRam that never answers (the refunds spec's hang fault) is given up on sooner than the default 15 s.
        PAYRAM_TIMEOUT_MS: "5000",
        // The browser plays the one trusted proxy: a spec names its client with X-Forwarded-For
        // (e2e/rate-limits.spec.ts). Every spec would otherwise be the same client, 127.0.0.1.
        TRUSTED_PROXY_COUNT: "1",
        LOG_LEVEL: "info",
        // Prometheus's view of the run (e2e/metrics.spec.ts).
        METRICS_TOKEN: E2E_METRICS_TOKEN,
      },
    },
  ],
});
