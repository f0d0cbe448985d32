import { addToCart, getCart } from "../lib/cart";
import { productIdOf } from "../lib/catalog";
import type { Db } from "../lib/db";
import { centsToDecimal } from "../lib/rules/money";
import { latestAttempt } from "../lib/payments/attempts";
import { startCheckout, type CheckoutDeps } from "../lib/checkout/checkout";
import { issueCheckoutToken } from "../lib/checkout/token";
import { inWords } from "../lib/i18n/messages";

/**
 * Orders placed the way a shopper places them: a server-side cart, the checkout page's token,
 * then the form submitted to `startCheckout` (what "Pay with crypto" runs).
 */

/** A shipped item and a digital one: the checkout parses an address and prices two lines. */
const CART_LINES: [slug: string, quantity: number][] = [
  ["ceramic-pour-over", 1],
  ["lofi-sound-pack", 2],
];

const ADDRESS = {
  shippingName: "Bench Shopper",
  shippingLine1: "1 Load Street",
  shippingCity: "Lisbon",
  shippingPostalCode: "1000-001",
  shippingCountry: "Portugal",
};

export interface PlacedOrder {
  orderId: string;
  referenceId: string;
  amountUsd: string;
  /** How long startCheckout took (the cart and token are made before the clock starts). */
  checkoutMs: number;
}

/** A cart holding the bench's lines, as the shopper's cookie would name it. */
export async function fillCart(db: Db): Promise<string> {
  let cartId: string | undefined;
  for (const [slug, quantity] of CART_LINES) {
    const added = await addToCart(db, cartId, await productIdOf(db, slug), quantity);
    if (!added.ok) throw new Error(`adding ${slug} to a cart failed: ${inWords("en", added.error)}`);
    cartId = added.cartId;
  }
  return cartId!;
}

export async function placeOrder(deps: CheckoutDeps, email = "bench@example.com"): Promise<PlacedOrder> {
  const cartId = await fillCart(deps.db);
  const token = issueCheckoutToken(deps.sessionSecret, await getCart(deps.db, cartId));
  const started = performance.now();
  const result = await startCheckout(deps, { cartId, form: { token, email, ...ADDRESS } });
  const checkoutMs = performance.now() - started;
  if (!result.ok) throw new Error(`the checkout failed: ${result.error}`);
  const attempt = await latestAttempt(deps.db, result.orderId);
  if (!attempt?.reference_id) throw new Error(`order ${result.orderId} has no PayRam reference after the checkout`);
  return { orderId: result.orderId, referenceId: attempt.reference_id, amountUsd: centsToDecimal(attempt.amount_cents), checkoutMs };
}
