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

it("rounds what was received to the nearest cent, as PayRam shows it, in both of PayRam's body shapes", () => {
  expect(readPaymentStatus(REF, { paymentState: "FILLED", amountInUSD: "12.00", filledAmountInUSD: "11.999999" })).toMatchObject({ amountCents: 1200, filledCents: 1200 });
  expect(readPaymentStatus(REF, { payment_state: "FILLED", amount: "12.00", filled_amount_in_usd: "11.999999" })).toMatchObject({ amountCents: 1200, filledCents: 1200 });
  expect(readPaymentStatus(REF, { paymentState: "PARTIALLY_FILLED", amountInUSD: "49.99", filledAmountInUSD: "10.004" })).toMatchObject({ filledCents: 1000 });
});
