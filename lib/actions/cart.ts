"use server";

import { getLocale, getTranslations } from "next-intl/server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { inWords } from "../i18n/messages";
import { addToCart, lineProblem, quantitySchema, removeFromCart, setQuantity } from "../cart";
import { readCartId, writeCartId } from "../cart/cookie";
import { productIdSchema } from "../catalog";
import { guard } from "./guard";

export type CartActionState = { status: "idle" } | { status: "ok"; message: string } | { status: "error"; message: string };

const lineSchema = z.object({ productId: productIdSchema, quantity: quantitySchema });

async function invalidLine(error: z.ZodError): Promise<CartActionState> {
  return { status: "error", message: inWords(await getLocale(), lineProblem(error)) };
}

export async function addToCartAction(_state: CartActionState, formData: FormData): Promise<CartActionState> {
  const rules = { input: lineSchema.extend({ quantity: quantitySchema.prefault("1") }), invalid: invalidLine };
  return guard(rules, formData, async ({ productId, quantity }, { db, client }) => {
    // A new cart counts against this client's and the shop-wide limits (lib/cart addToCart).
    const result = await addToCart(db, await readCartId(), productId, quantity, { client });
    if (!result.ok) return { status: "error", message: inWords(await getLocale(), result.error) };
    await writeCartId(result.cartId);
    revalidatePath("/", "layout");
    return { status: "ok", message: (await getTranslations("Cart"))("added", { count: quantity }) };
  });
}

export async function updateQuantityAction(_state: CartActionState, formData: FormData): Promise<CartActionState> {
  return guard({ input: lineSchema, invalid: invalidLine }, formData, async ({ productId, quantity }, { db }) => {
    const result = await setQuantity(db, await readCartId(), productId, quantity);
    if (!result.ok) return { status: "error", message: inWords(await getLocale(), result.error) };
    revalidatePath("/", "layout");
    return { status: "ok", message: (await getTranslations("Cart"))("updated") };
  });
}

export async function removeFromCartAction(formData: FormData): Promise<void> {
  const rules = { input: z.object({ productId: productIdSchema }), invalid: () => revalidatePath("/", "layout") };
  return guard(rules, formData, async ({ productId }, { db }) => {
    await removeFromCart(db, await readCartId(), productId);
    revalidatePath("/", "layout");
  });
}
