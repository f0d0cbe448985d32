import { describe, expect, it } from "vitest";
import { centsToAmountNumber, centsToDecimal, formatUsd, MoneyError, parseCents, parseOptionalCents } from "./money";

describe("parseCents: what PayRam may send", () => {
  it.each([
    ["49.99", 4999],
    [49.99, 4999],
    ["82", 8200],
    [82, 8200],
    ["0.5", 50],
    ["0.05", 5],
    ["007.10", 710],
    ["0", 0],
    ["0.00", 0],
    ["49.990000", 4999],
    [0.1 + 0.2 - 0.00000000000000004, 30],
    ["90071992547409.91", 9007199254740991],
  ])("%j is %i cents", (input, cents) => {
    expect(parseCents(input)).toBe(cents);
  });

  it.each([
    ["", /missing|empty/],
    [null, /missing/],
    [undefined, /missing/],
    ["-1", /plain non-negative decimal/],
    [-1, /plain non-negative decimal/],
    ["+1", /plain non-negative decimal/],
    ["1e2", /plain non-negative decimal/],
    [1e21, /plain non-negative decimal/],
    [".5", /plain non-negative decimal/],
    ["5.", /plain non-negative decimal/],
    [" 5", /plain non-negative decimal/],
    ["1,000.00", /plain non-negative decimal/],
    ["abc", /plain non-negative decimal/],
    [Number.NaN, /not a finite number/],
    [Number.POSITIVE_INFINITY, /not a finite number/],
    ["0.001", /fractions of a cent/],
    [0.1 + 0.2, /fractions of a cent/],
    ["90071992547409.92", /too large/],
    [{}, /missing/],
  ])("%j is refused (%s)", (input, message) => {
    expect(() => parseCents(input)).toThrow(MoneyError);
    expect(() => parseCents(input)).toThrow(message);
  });

  it("rounds digits below a cent half up only when asked (amounts received)", () => {
    expect(parseCents("12.345678", "round")).toBe(1235);
    expect(parseCents("12.344999", "round")).toBe(1234);
    expect(parseCents("11.999999", "round")).toBe(1200);
    expect(parseCents("0.001", "round")).toBe(0);
    expect(parseCents("0.005", "round")).toBe(1);
    expect(parseCents(0.1 + 0.2, "round")).toBe(30);
  });

  it("treats null and empty as 'no amount yet' in the optional form", () => {
    expect(parseOptionalCents(null)).toBeNull();
    expect(parseOptionalCents(undefined)).toBeNull();
    expect(parseOptionalCents("")).toBeNull();
    expect(parseOptionalCents("1.5")).toBe(150);
    expect(() => parseOptionalCents("-1")).toThrow(MoneyError);
  });
});

describe("cents out", () => {
  it.each([
    [4999, "49.99"],
    [5, "0.05"],
    [0, "0.00"],
    [100, "1.00"],
    [-250, "-2.50"],
    [123456789, "1234567.89"],
  ])("%i cents is %s", (cents, text) => {
    expect(centsToDecimal(cents)).toBe(text);
    expect(parseCents(text.replace("-", ""))).toBe(Math.abs(cents));
  });

  it("refuses fractional cents", () => {
    expect(() => centsToDecimal(1.5)).toThrow(MoneyError);
  });

  it("gives PayRam a number that serialises with at most two decimals", () => {
    for (const cents of [1, 10, 4999, 19999, 100000001, 33, 7]) {
      const json = JSON.stringify({ amountInUSD: centsToAmountNumber(cents) });
      expect(json).toBe(`{"amountInUSD":${centsToDecimal(cents).replace(/\.?0+$/, "")}}`);
    }
    expect(() => centsToAmountNumber(0)).toThrow(/greater than zero/);
  });

  it("formats for people", () => {
    expect(formatUsd(123450)).toBe("$1,234.50");
    expect(formatUsd(5)).toBe("$0.05");
  });
});
