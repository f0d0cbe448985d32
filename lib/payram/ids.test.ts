import { expect, it } from "vitest";
import { customerIdFor, formatInvoiceId, parseCustomerId, parseInvoiceId } from "./ids";

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

it("names the customer under the shop's prefix, and reads back only its own shop's customers", () => {
  expect(customerIdFor(1001, "shop-b_")).toBe("shop-b_1001");
  expect(parseCustomerId(customerIdFor(1001, "shop-b_"), "shop-b_")).toBe(1001);
  // Two shops on one PayRam project: neither takes the other's customer for one of its own.
  expect(parseCustomerId("shop-b_1001", "order_")).toBeNull();
  expect(parseCustomerId("order_1001", "shop-b_")).toBeNull();
  // A prefix that begins another shop's prefix does not read its ids either.
  expect(parseCustomerId("shop-b_1001", "shop-")).toBeNull();
  expect(parseCustomerId("shop_1001", "shop_b")).toBeNull();
});

it.each(["order_", "order_x", "order_-1", "order_1.5", "order_ 1", "order_1234567890123456", "ORDER_1001", "xorder_1001"])("refuses %j as a customer of the shop's", (junk) => {
  expect(parseCustomerId(junk, "order_")).toBeNull();
});
