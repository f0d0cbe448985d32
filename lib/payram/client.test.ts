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

it("drops sub-cent digits from what was received, in both of PayRam's body shapes", () => {
  expect(readPaymentStatus(REF, { paymentState: "FILLED", amountInUSD: "49.99", filledAmountInUSD: "49.999" })).toMatchObject({ amountCents: 4999, filledCents: 4999 });
  expect(readPaymentStatus(REF, { payment_state: "FILLED", amount: "49.99", filled_amount_in_usd: "49.999" })).toMatchObject({ amountCents: 4999, filledCents: 4999 });
});
