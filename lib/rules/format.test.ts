import { describe, expect, it } from "vitest";
import { formatUtc, plural, queryString } from "./format";

describe("plural", () => {
  it("says one of a thing, and none or many of them", () => {
    expect(plural(1, "order")).toBe("1 order");
    expect(plural(0, "order")).toBe("0 orders");
    expect(plural(25, "order")).toBe("25 orders");
  });

  it("takes an irregular plural", () => {
    expect(plural(1, "delivery", "deliveries")).toBe("1 delivery");
    expect(plural(2, "delivery", "deliveries")).toBe("2 deliveries");
  });
});

describe("formatUtc", () => {
  it("shows a stored time to the minute, in UTC and saying so", () => {
    expect(formatUtc("2026-11-29T22:41:54.123Z")).toBe("2026-11-29 22:41 UTC");
  });

  it("shows an instant written with another offset in UTC", () => {
    expect(formatUtc("2026-11-30T00:41:00+02:00")).toBe("2026-11-29 22:41 UTC");
  });
});

describe("queryString", () => {
  it("keeps the values that are set, in order, escaped", () => {
    expect(queryString({ state: "PAID", fulfil: undefined, q: "ada lovelace", page: "" })).toBe("?state=PAID&q=ada+lovelace");
  });

  it("is empty when nothing is set", () => {
    expect(queryString({ q: undefined })).toBe("");
  });
});
