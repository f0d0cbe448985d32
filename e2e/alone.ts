/**
 * Specs that change what every other spec shares — the emulator's config (webhooks off, another
 * profile, faults, slow confirmations, GET deliveries), a shop-wide rate-limit cap, the server
 * itself — run one at a time after the rest (playwright.config.ts); the rest run two files at a
 * time. e2e/alone.test.ts checks that every spec that changes the emulator's config is here.
 */
export const ALONE = /\/(admin|modes|pay-remaining|rate-limits|refunds|shutdown|status|top-up|webhook)\.spec\.ts$/;
