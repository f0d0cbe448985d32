import "server-only";
import { cookies } from "next/headers";
import { loadConfig } from "../config";

/**
 * The shop's two cookies. Both httpOnly and SameSite=Lax: Lax (not Strict) so they survive the
 * shopper's top-level return from PayRam's page, which is another site.
 */
const CART_COOKIE = "shop_cart";
const LAST_ORDER_COOKIE = "shop_last_order";

function baseOptions() {
  return {
    httpOnly: true,
    sameSite: "lax" as const,
    secure: loadConfig().appBaseUrl.startsWith("https:"),
    path: "/",
  };
}

export async function readCartId(): Promise<string | undefined> {
  return (await cookies()).get(CART_COOKIE)?.value;
}

export async function writeCartId(cartId: string): Promise<void> {
  (await cookies()).set(CART_COOKIE, cartId, { ...baseOptions(), maxAge: 60 * 60 * 24 * 30 });
}

export async function readLastOrderId(): Promise<string | undefined> {
  return (await cookies()).get(LAST_ORDER_COOKIE)?.value;
}

export async function writeLastOrderId(orderId: string): Promise<void> {
  (await cookies()).set(LAST_ORDER_COOKIE, orderId, { ...baseOptions(), maxAge: 60 * 60 * 24 * 30 });
}
