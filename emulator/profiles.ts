import type { ProfileName } from "./runtime-config";

/**
 * Named bundles of PayRam's readings (emulator/README.md, "Profiles"). A profile is a partial
 * runtime config laid over the defaults before --config and the shortcut flags.
 *
 * - docs-2026: PayRam's 2026-08 docs and troubleshooting notes (reading A): the defaults.
 * - connector-2026: PayRam's own Shopify connector of Sept 2026 and its MCP tools (reading B).
 */
export const PROFILES: Record<ProfileName, Record<string, unknown>> = {
  "docs-2026": {},
  "connector-2026": {
    api: {
      topUp: "new-reference",
      cancelOnCreate: "open-only",
      nullsBeforeAsset: true,
      bareWholeAmounts: true,
      unknownReference: "500",
    },
    // A minute of confirmations with a delivery every 3 s: twenty progress deliveries per deposit.
    confirmations: { required: 20, durationMs: 60_000, progressEveryMs: 3_000, progressWithoutPaymentInfoRate: 0.3 },
    webhooks: { sendCancelled: false, ping: "empty-key", signature: false, legacyApiKeyHeader: true },
  },
};
