import { expect, it } from "vitest";
import { readPaymentStatus } from "./client";

const REF = "00000000-0000-4000-8000-000000000001";

it.each([
  ["49.99", 4999],
  ["49.990000", 4999],
  ["49.999", null], // PayRam asking for a fraction of a cent more: not the order's amount
  ["nonsense", null],
])("PayRam's requested amount %j reads as %j cents", (amountInUSD, cents) => {
  expect(readPaymentStatus(REF, { paymentState: "OPEN", amountInUSD })?.amountCents).toBe(cents);
});

// Issue 28 (L3): what arrived is kept exactly as PayRam wrote it; the ledger rounds the order's
// sum once, down. The half-up rounding per reference this test used to document ("11.999999" is
// 12.00) let a refund exceed what arrived, and short references reach the total early.
it("keeps what was received exactly, in both of PayRam's body shapes; its cents for display are rounded down", () => {
  expect(readPaymentStatus(REF, { paymentState: "FILLED", amountInUSD: "12.00", filledAmountInUSD: "11.999999" })).toMatchObject({ amountCents: 1200, filledCents: 1199, filledUsd: "11.999999", filledAtQuoteUsd: null });
  expect(readPaymentStatus(REF, { payment_state: "FILLED", amount: "12.00", filled_amount_in_usd: "11.999999" })).toMatchObject({ amountCents: 1200, filledCents: 1199, filledUsd: "11.999999" });
  expect(readPaymentStatus(REF, { paymentState: "PARTIALLY_FILLED", amountInUSD: "49.99", filledAmountInUSD: "10.004" })).toMatchObject({ filledCents: 1000, filledUsd: "10.004" });
  expect(readPaymentStatus(REF, { paymentState: "PARTIALLY_FILLED", amountInUSD: "49.99", filledAmountInUSD: 10 })).toMatchObject({ filledCents: 1000, filledUsd: "10.00" });
});

it("values a stablecoin's amount at the quote (PayRam prices it 1:1), and no other asset's", () => {
  const drifted = { paymentState: "PARTIALLY_FILLED", amountInUSD: "9.49", filledAmount: "9.000000", filledAmountInUSD: "9.60" };
  expect(readPaymentStatus(REF, { ...drifted, currencySymbol: "USDC" })).toMatchObject({ filledUsd: "9.60", filledAtQuoteUsd: "9.00" });
  expect(readPaymentStatus(REF, { payment_state: "PARTIALLY_FILLED", amount: "9.49", filled_amount: 9, filled_amount_in_usd: "9.60", currency_symbol: "usdt" })).toMatchObject({ filledAtQuoteUsd: "9.00" });
  expect(readPaymentStatus(REF, { ...drifted, filledAmount: "0.0032", currencySymbol: "ETH" })).toMatchObject({ filledUsd: "9.60", filledAtQuoteUsd: null });
  expect(readPaymentStatus(REF, { ...drifted, filledAmount: null, currencySymbol: null })).toMatchObject({ filledAtQuoteUsd: null });
  // The network the page names beside the address (issue 31): either shape, null before the shopper picks.
  expect(readPaymentStatus(REF, { ...drifted, blockchainSymbol: "base" })).toMatchObject({ network: "BASE" });
  expect(readPaymentStatus(REF, { payment_state: "OPEN", amount: "9.49", blockchain_symbol: "ETH" })).toMatchObject({ network: "ETH" });
  expect(readPaymentStatus(REF, { ...drifted, blockchainSymbol: null })).toMatchObject({ network: null });
});

it("reads the old FAQ's snake_case body as the same payment as its camelCase twin, and refuses it as it would the twin", () => {
  const camel = {
    paymentState: "PARTIALLY_FILLED", referenceID: REF, amountInUSD: "9.49", filledAmount: "9.000000", filledAmountInUSD: "9.60", currencySymbol: "USDC",
    blockchainSymbol: "BASE", depositAddress: "0xabc", customerID: "order_7", invoiceID: "7-1", confirmationCurrent: 1, confirmationRequired: 3,
  };
  const snake = {
    payment_state: "PARTIALLY_FILLED", reference_id: REF, amount_in_usd: "9.49", filled_amount: "9.000000", filled_amount_in_usd: "9.60", currency_symbol: "USDC",
    blockchain_symbol: "BASE", deposit_address: "0xabc", customer_id: "order_7", invoice_id: "7-1", confirmation_current: 1, confirmation_required: 3,
  };
  expect(readPaymentStatus(REF, snake)).toEqual(readPaymentStatus(REF, camel));
  expect(readPaymentStatus(REF, snake)).toMatchObject({ amountCents: 949, depositAddress: "0xabc", customerId: "order_7", invoiceId: "7-1" });
  // `amount` is the older name of `amount_in_usd`: read only when the newer one is missing.
  expect(readPaymentStatus(REF, { ...snake, amount: "1.00" })?.amountCents).toBe(949);
  expect(readPaymentStatus(REF, { ...snake, amount_in_usd: undefined, amount: "1.00" })?.amountCents).toBe(100);
  expect(readPaymentStatus(REF, { ...snake, deposit_address: 42 })).toBeNull();
  expect(readPaymentStatus(REF, { ...snake, amount: true })).toBeNull();
});
