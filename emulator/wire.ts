import { centsToUnits, formatUnits, formatUsd } from "./money";
import { filledCents, filledUsdCents, remainingCents, type Payment, type PaymentState } from "./payments";
import type { RuntimeConfig } from "./runtime-config";

/** The JSON PayRam puts on the wire, in each of the shapes its versions use. */

type Api = RuntimeConfig["api"];
type Project = RuntimeConfig["project"];
type Amount = string | number;

type Confirmations = { current: number; required: number };

function amount(text: string, api: Api): Amount {
  // "82.00" → "82" when whole amounts come bare, as some PayRam versions send them.
  const shown = api.bareWholeAmounts ? text.replace(/\.0+$/, "") : text;
  return api.amounts === "number" ? Number(shown) : shown;
}
const stateName = (state: PaymentState, api: Api): string => (state === "CANCELLED" ? api.cancelledSpelling : state);
const units = (cents: number, payment: Payment): string => formatUnits(centsToUnits(cents, payment.currency.decimals), payment.currency.decimals);

/** RFC 3339 with microseconds, UTC: 2025-01-31T09:15:02.123456Z. */
export function rfc3339Micros(date: Date, micros = 0): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, (_match, ms: string) => `.${ms}${String(micros).padStart(3, "0")}Z`);
}

const EXPLORERS: Record<string, string> = {
  BASE: "https://basescan.org/tx/",
  ETH: "https://etherscan.io/tx/",
  POLYGON: "https://polygonscan.com/tx/",
  TRX: "https://tronscan.org/#/transaction/",
};
function explorerTransaction(payment: Payment): string {
  const last = payment.deposits.at(-1);
  if (!last) return "";
  return `${EXPLORERS[payment.network] ?? EXPLORERS.ETH}${last.txHash}`;
}

export function paymentUrl(publicUrl: string, referenceId: string, api: Api): string {
  const url = `${publicUrl}/payments?reference_id=${encodeURIComponent(referenceId)}`;
  return api.urlIncludesHost ? `${url}&host=${encodeURIComponent(publicUrl)}` : url;
}

/** What PayRam puts in a payment link when its Site URL setting is unset. */
export const UNSET_SITE_URL = "http://localhost";

export function createResponse(publicUrl: string, payment: Payment, api: Api) {
  const site = api.siteUrlUnset ? UNSET_SITE_URL : publicUrl;
  return { host: site, reference_id: payment.referenceId, url: paymentUrl(site, payment.referenceId, api) };
}

/** Body of GET /api/v1/payment/reference/{id}: camelCase (current) or snake_case (old FAQ). */
export function statusBody(payment: Payment, project: Project, api: Api, confirmations: Confirmations): Record<string, unknown> {
  const deposited = payment.deposits.length > 0;
  const filled = filledCents(payment);
  // Some versions leave these null until the shopper picks an asset (api.nullsBeforeAsset).
  const unknownAsset = api.nullsBeforeAsset && !payment.addressShown;
  const fields = {
    referenceID: payment.referenceId,
    invoiceID: payment.invoiceId,
    customerID: payment.customerId,
    amountInUSD: amount(formatUsd(payment.amountCents), api),
    filledAmount: unknownAsset ? null : amount(units(filled, payment), api),
    filledAmountInUSD: deposited ? amount(formatUsd(filledUsdCents(payment)), api) : null,
    paymentState: payment.reportUndefined ? "UNDEFINED" : stateName(payment.state, api),
    currencySymbol: unknownAsset ? null : payment.currency.symbol,
    currencyName: payment.currency.name,
    currencyDecimals: payment.currency.decimals,
    blockchainSymbol: unknownAsset ? null : payment.network,
    depositAddress: payment.addressShown ? payment.depositAddress : null,
    merchantName: project.merchantName,
    successURL: project.successUrl,
    cancelURL: project.cancelUrl,
    createdAt: rfc3339Micros(payment.createdAt, payment.createdAtMicros),
    explorerTransaction: explorerTransaction(payment),
    confirmationCurrent: confirmations.current,
    confirmationRequired: confirmations.required,
  };
  if (api.statusShape === "camel") return fields;
  return {
    reference_id: fields.referenceID,
    invoice_id: fields.invoiceID,
    customer_id: fields.customerID,
    // The FAQ's `amount` is the requested amount, in USD as it was requested.
    amount: fields.amountInUSD,
    filled_amount: fields.filledAmount,
    filled_amount_in_usd: fields.filledAmountInUSD,
    payment_state: fields.paymentState,
    currency_symbol: fields.currencySymbol,
    currency_name: fields.currencyName,
    currency_decimals: fields.currencyDecimals,
    blockchain_symbol: fields.blockchainSymbol,
    deposit_address: fields.depositAddress,
    merchant_name: fields.merchantName,
    success_url: fields.successURL,
    cancel_url: fields.cancelURL,
    created_at: fields.createdAt,
    explorer_transaction: fields.explorerTransaction,
    confirmation_current: fields.confirmationCurrent,
    confirmation_required: fields.confirmationRequired,
  };
}

/**
 * The payment webhook (emulator/README.md, "Webhooks"): snake_case; `amount`/`filled_amount` in
 * crypto units, *_in_usd in USD. `paymentInfo: false` leaves payment_info out (some progress
 * deliveries); a progress delivery lists the deposits still confirming too.
 */
export function webhookPayload(
  payment: Payment,
  api: Api,
  timestamp: Date,
  confirmations: Confirmations,
  paymentInfo: boolean | "with-pending" = true,
): Record<string, unknown> {
  const filled = filledCents(payment);
  const seen = paymentInfo === "with-pending" ? [...payment.deposits, ...payment.pending] : payment.deposits;
  return {
    reference_id: payment.referenceId,
    invoice_id: payment.invoiceId,
    customer_id: payment.customerId,
    customer_email: payment.customerEmail,
    status: stateName(payment.state, api),
    amount: amount(units(payment.amountCents, payment), api),
    currency: payment.currency.symbol,
    filled_amount: amount(units(filled, payment), api),
    filled_amount_in_usd: amount(formatUsd(filledUsdCents(payment)), api),
    sponsored_amount: amount(units(0, payment), api),
    sponsored_amount_in_usd: amount(formatUsd(0), api),
    timestamp: Math.floor(timestamp.getTime() / 1000),
    ...(paymentInfo === false
      ? {}
      : {
          payment_info: seen.map((deposit) => ({
            source_address: deposit.sourceAddress,
            transaction_hash: deposit.txHash,
            destination_address: payment.depositAddress,
            block_number: deposit.blockNumber,
          })),
        }),
    confirmation_current: confirmations.current,
    confirmation_required: confirmations.required,
  };
}

const depositView = (deposit: Payment["deposits"][number]) => ({
  amountInUSD: formatUsd(deposit.amountCents),
  txHash: deposit.txHash,
  blockNumber: deposit.blockNumber,
  at: deposit.at.toISOString(),
});

/** What the control API shows of a payment: one stable shape, whatever the wire settings. */
export function controlView(payment: Payment, publicUrl: string, api: Api) {
  return {
    referenceId: payment.referenceId,
    invoiceId: payment.invoiceId,
    customerId: payment.customerId,
    customerEmail: payment.customerEmail,
    state: payment.state,
    amountInUSD: formatUsd(payment.amountCents),
    filledAmountInUSD: formatUsd(filledCents(payment)),
    remainingInUSD: formatUsd(remainingCents(payment)),
    currency: payment.currency.symbol,
    network: payment.network,
    depositAddress: payment.depositAddress,
    url: paymentUrl(publicUrl, payment.referenceId, api),
    createdAt: rfc3339Micros(payment.createdAt, payment.createdAtMicros),
    expiresAt: payment.expiresAt.toISOString(),
    cancelCause: payment.cancelCause,
    topUpOf: payment.topUpOf,
    deposits: payment.deposits.map(depositView),
    confirming: payment.pending.map((deposit) => ({ ...depositView(deposit), confirmsAt: new Date(deposit.confirmAt).toISOString() })),
  };
}

/** PayRam's three error envelopes. */
export const envelopes = {
  nested: (code: number | string, message: string) => ({ error: { code, message } }),
  flat: (code: number | string, message: string) => ({ code, message }),
  text: (message: string) => ({ error: message }),
};
