import { describe, expect, it } from "vitest";
import type { Cart, CartLine } from "../cart";
import { checkoutFormSchema, fieldErrorsOf, shippingSchema } from "./form";
import { issueCheckoutToken, verifyCheckoutToken } from "./token";
import { priceCart } from "./pricing";
import { inWordsOf } from "@/test/said";

function line(slug: string, unitPriceCents: number, quantity: number, extra: Partial<CartLine> = {}): CartLine {
  return { productId: slug.charCodeAt(0), slug, name: slug, image: "", unitPriceCents, quantity, lineTotalCents: unitPriceCents * quantity, ships: false, available: true, stock: null, ...extra };
}

function cart(lines: CartLine[], id = "c".repeat(22)): Cart {
  return { id, lines, itemCount: 0, subtotalCents: 0 };
}

describe("priceCart", () => {
  it("totals integer cents exactly, with no float drift", () => {
    // 0.1 + 0.2 style sums that go wrong in floating point.
    const priced = priceCart(cart([line("a", 10, 3), line("b", 20, 1), line("c", 1999, 7, { ships: true })]));
    expect(priced).toEqual({
      ok: true,
      totalCents: 10 * 3 + 20 + 1999 * 7,
      ships: true,
      lines: [
        { productId: 97, slug: "a", name: "a", unitPriceCents: 10, quantity: 3, lineTotalCents: 30, ships: false },
        { productId: 98, slug: "b", name: "b", unitPriceCents: 20, quantity: 1, lineTotalCents: 20, ships: false },
        { productId: 99, slug: "c", name: "c", unitPriceCents: 1999, quantity: 7, lineTotalCents: 13993, ships: true },
      ],
    });
  });

  it("takes the unit price from the catalog line, not a stored line total", () => {
    const priced = priceCart(cart([line("a", 4999, 2, { lineTotalCents: 1 })]));
    expect(priced).toMatchObject({ ok: true, totalCents: 9998 });
  });

  it("needs no address for digital-only carts", () => {
    const priced = priceCart(cart([line("ebook", 1499, 1)]));
    expect(priced).toMatchObject({ ok: true, ships: false });
  });

  it("refuses an empty cart", () => {
    expect(inWordsOf(priceCart(cart([])))).toEqual({ ok: false, error: "Your cart is empty." });
  });

  it("refuses products that left the catalog, by name", () => {
    expect(inWordsOf(priceCart(cart([line("a", 100, 1), line("Old Lamp", 100, 1, { available: false })])))).toEqual({
      ok: false,
      error: "Old Lamp is no longer available. Please remove it from your cart.",
    });
  });

  it("never prices an impossible quantity", () => {
    expect(() => priceCart(cart([line("a", 100, 0)]))).toThrow(/quantity/);
    expect(() => priceCart(cart([line("a", 100, 1.5)]))).toThrow(/quantity/);
    expect(() => priceCart(cart([line("a", 100, 100)]))).toThrow(/quantity/);
  });
});

describe("checkout form", () => {
  it("accepts an email and drops every price-like field the browser may add", () => {
    const parsed = checkoutFormSchema.parse({ token: "t".repeat(40), email: "  Shopper@Example.com ", price: "0.01", amount: "1", total: "1" });
    expect(parsed).toEqual({ token: "t".repeat(40), email: "Shopper@Example.com" });
  });

  it.each([
    [{ token: "t".repeat(40) }, "email", "Enter your email address"],
    [{ token: "t".repeat(40), email: "" }, "email", "Enter your email address"],
    [{ token: "t".repeat(40), email: "not-an-email" }, "email", "Enter a valid email address, like you@example.com"],
    [{ email: "a@b.co" }, "token", "This checkout form is incomplete. Please reload the page."],
  ])("%j: %s says %s", (form, field, message) => {
    const result = checkoutFormSchema.safeParse(form);
    expect(result.success).toBe(false);
    expect(inWordsOf(fieldErrorsOf(result.error!))[field]).toBe(message);
  });

  it("requires the address fields that matter and trims them", () => {
    const result = shippingSchema.safeParse({ shippingName: " Ada ", shippingLine1: "", shippingCity: "Paris" });
    expect(result.success).toBe(false);
    expect(inWordsOf(fieldErrorsOf(result.error!))).toEqual({
      shippingLine1: "Enter the street address",
      shippingPostalCode: "Enter the postal code",
      shippingCountry: "Enter the country",
    });
    const ok = shippingSchema.parse({ shippingName: " Ada ", shippingLine1: "1 Rue", shippingCity: "Paris", shippingPostalCode: "75001", shippingCountry: "France", shippingLine2: "" });
    expect(ok).toMatchObject({ shippingName: "Ada", shippingLine2: null, shippingRegion: null });
  });
});

describe("checkout token", () => {
  const secret = "s".repeat(40);
  const base = cart([line("a", 100, 2)]);

  it("is valid for the cart it was issued for", () => {
    expect(verifyCheckoutToken(secret, issueCheckoutToken(secret, base), base)).toBe("valid");
  });

  it("tells a changed cart from a forgery", () => {
    const token = issueCheckoutToken(secret, base);
    expect(verifyCheckoutToken(secret, token, cart([line("a", 100, 3)]))).toBe("cart_changed");
    expect(verifyCheckoutToken(secret, token, cart([line("a", 101, 2)]))).toBe("cart_changed");
    expect(verifyCheckoutToken(secret, token, cart(base.lines, "d".repeat(22)))).toBe("forged");
    expect(verifyCheckoutToken("x".repeat(40), token, base)).toBe("forged");
    expect(verifyCheckoutToken(secret, `${token}x`, base)).toBe("forged");
    expect(verifyCheckoutToken(secret, "nonsense", base)).toBe("forged");
    expect(verifyCheckoutToken(secret, token, cart(base.lines, null as unknown as string))).toBe("forged");
  });

  it("is different every time (one per page)", () => {
    expect(issueCheckoutToken(secret, base)).not.toBe(issueCheckoutToken(secret, base));
  });
});
