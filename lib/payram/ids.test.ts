import { expect, it } from "vitest";
import { customerIdFor, formatInvoiceId, parseInvoiceId } from "./ids";

it.each([
  [1001, 1],
  [1, 999_999],
  [999_999_999_999_999, 42],
])("formats order %i attempt %i as an invoice id that parses back", (orderNumber, attemptNumber) => {
  const invoiceId = formatInvoiceId({ orderNumber, attemptNumber });
  expect(invoiceId).toBe(`${orderNumber}-${attemptNumber}`);
  expect(parseInvoiceId(invoiceId)).toEqual({ orderNumber, attemptNumber });
});

it.each(["", "1001", "1001-", "-1", "1001-1-1", "1001_1", " 1001-1", "1001-1 ", "order_1001", "1001-1234567", "1234567890123456-1", "1e3-1", "0x10-1", "１００１-１"])(
  "refuses %j as an invoice id of the shop's",
  (junk) => {
    expect(parseInvoiceId(junk)).toBeNull();
  },
);

it("names the customer per order", () => {
  expect(customerIdFor(1001)).toBe("order_1001");
});
