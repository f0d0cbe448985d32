import { describe, expect, it } from "vitest";
import { centsToUnits, formatUnits, formatUsd, halfOf, parseUsdCents } from "./money";
import { mulberry32 } from "./random";

describe("money", () => {
  it.each([
    ["49.99", 4999],
    [49.99, 4999],
    ["0.1", 10],
    [0.3, 30],
    ["12", 1200],
    [12.5, 1250],
    ["007.10", 710],
    [" 3.00 ", 300],
  ])("reads %j as %i cents", (input, cents) => {
    expect(parseUsdCents(input)).toBe(cents);
  });

  it.each([["1.001"], [49.999], ["-1"], ["1e3"], [1e21], [".5"], ["5."], [""], [Number.NaN], [Infinity], [null], ["1,000"], ["1000000000.01"]])(
    "refuses %j",
    (input) => {
      expect(parseUsdCents(input)).toBeNull();
    },
  );

  it("formats cents and crypto units exactly", () => {
    expect(formatUsd(4999)).toBe("49.99");
    expect(formatUsd(5)).toBe("0.05");
    expect(formatUsd(0)).toBe("0.00");
    expect(formatUnits(centsToUnits(4999, 6), 6)).toBe("49.990000");
    expect(formatUnits(centsToUnits(1, 18), 18)).toBe("0.010000000000000000");
    expect(formatUnits(centsToUnits(100_000_000_000, 6), 6)).toBe("1000000000.000000");
  });

  it("halves the remaining amount down to a cent, never to zero", () => {
    expect(halfOf(1001)).toBe(500);
    expect(halfOf(1)).toBe(1);
  });
});

describe("mulberry32", () => {
  it("replays the same sequence for a seed and stays in [0, 1)", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const values = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(values);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(mulberry32(43)()).not.toBe(values[0]);
  });
});
