import { describe, expect, it } from "vitest";
import { direction, localizedPath, negotiateLocale, splitLocalePrefix } from "./locales";
import { formatUsd } from "./money";

describe("the shopper's language from Accept-Language", () => {
  it.each([
    ["es-MX,es;q=0.9,en;q=0.8", "es"],
    ["de-DE,de;q=0.9,fr;q=0.5", "fr"],
    ["pt-PT,pt;q=0.9", "pt-BR"],
    ["zh-TW,zh;q=0.9", "zh-CN"],
    ["en;q=0.3,ja;q=0.9", "ja"],
    ["ar-EG", "ar"],
    ["de-DE", "en"],
    ["", "en"],
    [null, "en"],
    ["*;q=1,tr;q=0", "en"],
  ])("%s → %s", (header, locale) => {
    expect(negotiateLocale(header)).toBe(locale);
  });
});

it("carries the language in shop URLs only, English without a prefix", () => {
  expect(localizedPath("es", "/products/tote")).toBe("/es/products/tote");
  expect(localizedPath("es", "/")).toBe("/es");
  expect(localizedPath("en", "/products/tote")).toBe("/products/tote");
  expect(localizedPath("ar", "/orders/abc")).toBe("/orders/abc");
  expect(splitLocalePrefix("/pt-BR/cart")).toEqual({ locale: "pt-BR", rest: "/cart" });
  expect(splitLocalePrefix("/es")).toEqual({ locale: "es", rest: "/" });
  expect(splitLocalePrefix("/products/es")).toBeNull();
  expect(splitLocalePrefix("/de/cart")).toBeNull();
  expect(direction("ar")).toBe("rtl");
  expect(direction("ja")).toBe("ltr");
});

it("formats prices for the locale, still in USD and exact to the cent", () => {
  expect(formatUsd(123450)).toBe("$1,234.50");
  expect(formatUsd(108, "es")).toMatch(/^1,08\s?US\$$/);
  expect(formatUsd(123450, "fr")).toMatch(/^1\s?234,50\s?\$US$/);
  expect(formatUsd(949, "ja")).toBe("$9.49");
  // 2^53 cents and more digits than a double holds: the decimal string is formatted, not a float.
  expect(formatUsd(9007199254740991, "en")).toBe("$90,071,992,547,409.91");
});
