import "server-only";
import { loadConfig } from "../config";
import { getDb } from "./db";
import { getPayram } from "./payram";
import type { Db } from "../db";
import type { RefundDeps } from "../refunds";
import type { CheckoutDeps } from "../checkout/checkout";
import type { SyncDeps } from "../payments/sync";
import type { WebhookDeps } from "../webhooks/webhook";

export function checkoutDeps(): CheckoutDeps {
  const config = loadConfig();
  return {
    db: getDb(),
    payram: getPayram(),
    sessionSecret: config.sessionSecret,
    checkoutOrigins: config.payram.checkoutOrigins,
    payramBaseUrl: config.payram.baseUrl,
    payramTimeoutMs: config.payram.timeoutMs,
    paymentTtlMs: config.payram.paymentTtlMs,
    customerPrefix: config.payram.customerPrefix,
  };
}

export function syncDeps(): SyncDeps {
  return { db: getDb(), payram: getPayram(), customerPrefix: loadConfig().payram.customerPrefix };
}

export function webhookDeps(): WebhookDeps {
  const config = loadConfig();
  return {
    db: getDb(),
    payram: getPayram(),
    customerPrefix: config.payram.customerPrefix,
    webhookKeys: config.payram.webhookKeys,
    requireSignature: config.payram.webhookRequireSignature,
  };
}

/** For refunds: `db` is the caller's handle (an action's, from guard). */
export function refundDeps(db: Db = getDb()): RefundDeps {
  return { db, payram: getPayram(), customerPrefix: loadConfig().payram.customerPrefix };
}
