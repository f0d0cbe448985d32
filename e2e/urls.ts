/**
 * Where the end-to-end suite runs its servers. The emulator is reached as 127.0.0.1 and the shop
 * as localhost on purpose: two different sites, as PayRam and a shop are in real life, so a
 * cookie that would not survive the shopper's return from PayRam fails here too.
 */
// E2E_APP_PORT / E2E_EMULATOR_PORT: two checkouts of the project can run their suites side by side.
export const APP_PORT = Number(process.env.E2E_APP_PORT ?? 3200);
export const EMULATOR_PORT = Number(process.env.E2E_EMULATOR_PORT ?? 4100);
export const APP_URL = `http://localhost:${APP_PORT}`;
export const EMULATOR_URL = `http://127.0.0.1:${EMULATOR_PORT}`;
export const E2E_API_KEY = "e2e-emulator-key";
/** The e2e server is a production build: it refuses the public development secrets. */
export const E2E_ADMIN_PASSWORD = "e2e-admin-password";
/** The first owner the e2e server makes at start (ADMIN_EMAIL + ADMIN_PASSWORD): no second factor. */
export const E2E_ADMIN_EMAIL = "e2e-owner@shop.localhost";
/** A manager with a known authenticator secret, for the specs that send money (e2e/merchant.ts). */
export const E2E_MONEY_EMAIL = "e2e-money@shop.localhost";
export const E2E_MONEY_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
export const E2E_SESSION_SECRET = "e2e-session-secret-0123456789abcdefghij";
/** The bearer token the e2e server's /api/metrics wants (METRICS_TOKEN). */
export const E2E_METRICS_TOKEN = "e2e-metrics-token-0123456789";
