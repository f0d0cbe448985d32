import { describe, expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { emulatorPerFile } from "@/test/emulator-per-file";
import { checkoutDepsFor, TEST_ADDRESS, TEST_SECRET } from "@/test/shop";
import { resolveInputSchema } from "../notify/attention";
import { addToCart, getCart } from "../cart";
import { productIdOf, seedCatalog } from "../catalog";
import { startCheckout } from "./checkout";
import { checkoutFormSchema, fieldErrorsOf, shippingSchema } from "./form";
import { issueCheckoutToken } from "./token";
import { inWordsOf } from "@/test/said";

/**
 * Control characters no keyboard types: NUL, BEL, ESC, DEL, a C1 control (NEL), a tab; and the
 * invisible ones that reorder or hide what the merchant reads: bidi overrides, embeddings,
 * isolates and marks (RLO, LRE, PDF, RLI, PDI, LRM, RLM, ALM), zero-width space, word joiner,
 * BOM, and a zero-width joiner or non-joiner in Latin text.
 */
const CONTROLS = ["\u0000", "\u0007", "\u001b", "\u007f", "\u0085", "\t", "\u202e", "\u202a", "\u202c", "\u2067", "\u2069", "\u200e", "\u200f", "\u061c", "\u200b", "\u2060", "\ufeff", "\u200d", "\u200c"];

describe("text a person types is refused when it holds control characters", () => {
  const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
  it.each(CONTROLS.map((c) => [codePoint(c), c]))("every address field refuses %s, with a plain message", (_name, control) => {
    const result = shippingSchema.safeParse({
      shippingName: `Ada${control}Lovelace`,
      shippingLine1: `12 St James${control}s Square`,
      shippingLine2: `Flat${control}2`,
      shippingCity: `Lon${control}don`,
      shippingRegion: `Greater${control}London`,
      shippingPostalCode: `SW1Y${control}4JH`,
      shippingCountry: `United${control}Kingdom`,
    });
    expect(result.success).toBe(false);
    expect(inWordsOf(fieldErrorsOf(result.error!))).toEqual({
      shippingName: "The recipient's name contains characters we cannot accept",
      shippingLine1: "The street address contains characters we cannot accept",
      shippingLine2: "The second address line contains characters we cannot accept",
      shippingCity: "The city contains characters we cannot accept",
      shippingRegion: "The state or region contains characters we cannot accept",
      shippingPostalCode: "The postal code contains characters we cannot accept",
      shippingCountry: "The country contains characters we cannot accept",
    });
  });

  it("accepts accents, other scripts and emoji as typed", () => {
    const address = {
      shippingName: "Zoë Ñúñez 🦊",
      shippingLine1: "東京都千代田区丸の内 1-1",
      shippingCity: "Αθήνα",
      shippingRegion: "Île-de-France",
      shippingPostalCode: "〒100-0005",
      shippingCountry: "Việt Nam",
    };
    expect(shippingSchema.parse(address)).toMatchObject(address);
  });

  it("keeps the joiners a script or an emoji needs", () => {
    // Persian with a zero-width non-joiner, Devanagari with a joiner, a family emoji and a skin-toned one (ZWJ sequences).
    const address = { ...TEST_ADDRESS, shippingName: "می\u200Cخواهم क्\u200Dष 👨\u200D👩\u200D👧 👩🏽\u200D💻" };
    expect(shippingSchema.parse(address)).toMatchObject(address);
    // A joiner at an edge, or next to a space, hides nothing a script needs: refused.
    for (const name of ["\u200DAda", "Ada\u200C", "می \u200Cخواهم"]) expect(shippingSchema.safeParse({ ...address, shippingName: name }).success).toBe(false);
  });

  it("refuses a checkout token that is not one the shop issues, a NUL included", () => {
    const result = checkoutFormSchema.safeParse({ token: `${"t".repeat(20)}\u0000`, email: "ada@example.com" });
    expect(result.success).toBe(false);
    expect(inWordsOf(fieldErrorsOf(result.error!))).toEqual({ token: "This checkout form is incomplete. Please reload the page." });
    expect(checkoutFormSchema.safeParse({ token: "t".repeat(40), email: "ada@example.com" }).success).toBe(true);
  });

  it("a merchant's resolve note refuses control characters but keeps line breaks and tabs", () => {
    for (const control of ["\u0000", "\u0007", "\u001b", "\u007f", "\u009b"]) {
      const result = resolveInputSchema.safeParse({ id: "1", note: `Refunded${control} 2.51 USD` });
      expect(result.success).toBe(false);
      expect(result.error!.issues[0]!.message).toBe("The note contains characters we cannot accept");
    }
    expect(resolveInputSchema.parse({ id: "1", note: "Refunded 2.51 USD\r\n\tto the sender — merci 🙏" }).note).toBe("Refunded 2.51 USD\r\n\tto the sender — merci 🙏");
  });
});

const payram = emulatorPerFile({ timeoutMs: 1_000 });

describeOnEachDatabase("checkout with a control character in the address", (get) => {
  it("a NUL in the city is a field error: no order, no payment, no server error", async () => {
    const db = get().db;
    await seedCatalog(db);
    const added = await addToCart(db, undefined, await productIdOf(db, "merino-beanie"), 1);
    if (!added.ok) throw new Error(inWordsOf(added.error));
    const token = issueCheckoutToken(TEST_SECRET, await getCart(db, added.cartId));

    const result = await startCheckout(checkoutDepsFor(db, payram), {
      cartId: added.cartId,
      form: { token, email: "ada@example.com", ...TEST_ADDRESS, shippingCity: "Lon\u0000don" },
    });
    expect(inWordsOf(result)).toEqual({
      ok: false,
      error: "Please enter where we should ship your order.",
      fieldErrors: { shippingCity: "The city contains characters we cannot accept" },
    });
    expect(await db.selectFrom("orders").select("id").where("checkout_token", "=", token).execute()).toEqual([]);
    expect(await payram.payments()).toEqual([]);
    // The cart is kept, and the corrected form goes through.
    const fixed = await startCheckout(checkoutDepsFor(db, payram), { cartId: added.cartId, form: { token, email: "ada@example.com", ...TEST_ADDRESS } });
    expect(fixed.ok).toBe(true);
  });

  it("a Spanish shopper reads the checkout's refusals in Spanish, English's wording kept for English", async () => {
    const db = get().db;
    await seedCatalog(db);
    const added = await addToCart(db, undefined, await productIdOf(db, "merino-beanie"), 1);
    if (!added.ok) throw new Error(inWordsOf(added.error));
    const token = issueCheckoutToken(TEST_SECRET, await getCart(db, added.cartId));
    const form = { token, email: "ada@example.com", ...TEST_ADDRESS, shippingLine1: "x".repeat(201), shippingPostalCode: "" };
    const result = await startCheckout(checkoutDepsFor(db, payram), { cartId: added.cartId, form });
    expect(inWordsOf(result, "es")).toEqual({
      ok: false,
      error: "Indica adónde debemos enviar tu pedido.",
      fieldErrors: { shippingLine1: "La dirección es demasiado larga (como máximo 200 caracteres)", shippingPostalCode: "Escribe el código postal" },
    });
    expect(inWordsOf(result)).toMatchObject({ fieldErrors: { shippingLine1: "The street address is too long (at most 200 characters)", shippingPostalCode: "Enter the postal code" } });
    const email = await startCheckout(checkoutDepsFor(db, payram), { cartId: added.cartId, form: { token, email: "nope" } });
    expect(inWordsOf(email, "es")).toEqual({ ok: false, error: "Corrige los campos marcados.", fieldErrors: { email: "Escribe un correo electrónico válido, como tu@ejemplo.com" } });
    expect(await payram.payments()).toEqual([]);
  });

  it("a NUL in the token is refused before anything is looked up", async () => {
    const result = await startCheckout(checkoutDepsFor(get().db, payram), { cartId: undefined, form: { token: `${"t".repeat(20)}\u0000`, email: "ada@example.com", ...TEST_ADDRESS } });
    expect(inWordsOf(result)).toMatchObject({ ok: false, fieldErrors: { token: "This checkout form is incomplete. Please reload the page." } });
  });
});
