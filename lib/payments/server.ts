import "server-only";
import { loadConfig } from "../config";
import { getDb } from "../db/server";
import { getPayram } from "../payram/server";
import type { CheckoutDeps } from "./checkout";

export function checkoutDeps(): CheckoutDeps {
  const config = loadConfig();
  return {
    db: getDb(),
    payram: getPayram(),
    sessionSecret: config.sessionSecret,
    checkoutOrigins: config.payram.checkoutOrigins,
    payramTimeoutMs: config.payram.timeoutMs,
  };
}
