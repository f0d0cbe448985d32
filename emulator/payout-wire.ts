import { formatDecimal } from "./decimal";
import { PAYOUT_ASSETS, priceOf, type Payout } from "./payouts";
import type { RuntimeConfig } from "./runtime-config";
import { rfc3339Micros } from "./wire";

/** The payout JSON PayRam puts on the wire (§9). Amounts are decimal strings: payouts exist only on servers that send strings. */

export type WebhookStatus = "pending" | "delivered" | "failed" | "skipped";

/** 201 of the create, GET /api/v1/withdrawal/{id}/merchant, and each item of the list. */
export function payoutBody(payout: Payout, webhookStatus: WebhookStatus) {
  return {
    id: payout.id,
    status: payout.status,
    email: payout.email,
    customerID: payout.customerId,
    blockchainCode: payout.blockchainCode,
    currencyCode: payout.currencyCode,
    amount: formatDecimal(payout.amount),
    amountInUSD: formatDecimal(payout.amountUsd),
    toAddress: payout.toAddress,
    fromAddress: payout.fromAddress,
    mobileNumber: payout.mobileNumber,
    residentialAddress: payout.residentialAddress,
    txHash: payout.txHash,
    failureReason: payout.failureReason,
    webhookStatus,
    withdrawalType: "payout_merchant",
    attributes: { approvalReason: payout.approvalReason },
    createdAt: rfc3339Micros(payout.createdAt),
    updatedAt: rfc3339Micros(payout.updatedAt),
  };
}

/** The payout webhook: event_type payout.<event>, status in upper case. */
export function payoutWebhookPayload(payout: Payout, event: string, now: Date): Record<string, unknown> {
  return {
    event_type: `payout.${event}`,
    payout_id: payout.id,
    network: payout.blockchainCode,
    token: payout.currencyCode,
    amount: formatDecimal(payout.amount),
    amount_usd: formatDecimal(payout.amountUsd),
    email: payout.email,
    address: payout.toAddress,
    from_address: payout.fromAddress,
    tx_hash: payout.txHash,
    status: event.toUpperCase(),
    withdrawal_type: "payout_merchant",
    currency_type: payout.asset.stable ? "stablecoin" : "native",
    created_at: rfc3339Micros(payout.createdAt),
    updated_at: rfc3339Micros(payout.updatedAt),
    timestamp: Math.floor(now.getTime() / 1000),
    failure_reason: payout.failureReason,
  };
}

/** What the control API shows: the API body plus the Idempotency-Key and the status history. */
export function payoutControlView(payout: Payout, webhookStatus: WebhookStatus) {
  return {
    ...payoutBody(payout, webhookStatus),
    idempotencyKey: payout.idempotencyKey,
    idempotencyKeySource: payout.idempotencyKeySource,
    history: payout.history.map((entry) => ({ ...entry })),
  };
}

/** GET /api/v1/ticker: every network and token PayRam pays out in, with its USD price and walletPrecision. */
export function tickerBody(settings: RuntimeConfig["payouts"]) {
  return {
    data: PAYOUT_ASSETS.map((asset) => ({
      blockchainCode: asset.blockchainCode,
      currencyCode: asset.currencyCode,
      price: priceOf(asset, settings),
      walletPrecision: asset.walletPrecision,
    })),
  };
}
