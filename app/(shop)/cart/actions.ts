"use server";

import { revalidatePath } from "next/cache";
import { headers } from "next/headers";
import { z } from "zod";
import { addToCart, quantitySchema, removeFromCart, setQuantity } from "@/lib/cart";
import { readCartId, writeCartId } from "@/lib/cart/cookie";
import { slugSchema } from "@/lib/catalog";
import { loadConfig } from "@/lib/config";
import { getDb } from "@/lib/db/server";
import { clientAddress } from "@/lib/security/rate-limit";

export type CartActionState = { status: "idle" } | { status: "ok"; message: string } | { status: "error"; message: string };

const lineSchema = z.object({ slug: slugSchema, quantity: quantitySchema });

function firstMessage(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue?.path[0] === "slug" || !issue ? "This product is not available." : issue.message;
}

export async function addToCartAction(_state: CartActionState, formData: FormData): Promise<CartActionState> {
  const input = lineSchema.safeParse({ slug: formData.get("slug"), quantity: formData.get("quantity") ?? "1" });
  if (!input.success) return { status: "error", message: firstMessage(input.error) };
  // A new cart counts against this client's and the shop-wide limits (lib/cart addToCart).
  const client = clientAddress(await headers(), loadConfig().trustedProxyCount);
  const result = await addToCart(getDb(), await readCartId(), input.data.slug, input.data.quantity, { client });
  if (!result.ok) return { status: "error", message: result.error };
  await writeCartId(result.cartId);
  revalidatePath("/", "layout");
  return { status: "ok", message: input.data.quantity === 1 ? "Added to your cart." : `Added ${input.data.quantity} to your cart.` };
}

export async function updateQuantityAction(_state: CartActionState, formData: FormData): Promise<CartActionState> {
  const input = lineSchema.safeParse({ slug: formData.get("slug"), quantity: formData.get("quantity") });
  if (!input.success) return { status: "error", message: firstMessage(input.error) };
  const result = await setQuantity(getDb(), await readCartId(), input.data.slug, input.data.quantity);
  if (!result.ok) return { status: "error", message: result.error };
  revalidatePath("/", "layout");
  return { status: "ok", message: "Quantity updated." };
}

export async function removeFromCartAction(formData: FormData): Promise<void> {
  const slug = slugSchema.safeParse(formData.get("slug"));
  if (slug.success) await removeFromCart(getDb(), await readCartId(), slug.data);
  revalidatePath("/", "layout");
}
