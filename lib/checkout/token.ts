import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Cart } from "../cart";

/**
 * The checkout page's one-time token: `<nonce>.<cart digest>.<mac>`. The MAC (keyed with the
 * session secret) binds it to this cart; the digest lets the server tell "you changed your
 * cart in another tab" from "this token was forged". An order remembers the token that made
 * it, so a repeated submit finds that order instead of making another.
 */
export function cartDigest(cart: Cart): string {
  const lines = cart.lines
    .map((line) => `${line.productId}:${line.quantity}:${line.unitPriceCents}:${line.available ? 1 : 0}`)
    .sort()
    .join("|");
  return createHash("sha256").update(lines).digest("base64url").slice(0, 22);
}

function mac(secret: string, cartId: string, nonce: string, digest: string): string {
  return createHmac("sha256", secret).update(`checkout:${cartId}:${nonce}:${digest}`).digest("base64url");
}

export function issueCheckoutToken(secret: string, cart: Cart): string {
  const nonce = randomBytes(16).toString("base64url");
  const digest = cartDigest(cart);
  return `${nonce}.${digest}.${mac(secret, cart.id ?? "", nonce, digest)}`;
}

export type TokenVerdict = "valid" | "forged" | "cart_changed";

/**
 * The cart digest a token was issued for, if the token was signed for this very cart; null for a
 * forged token or one issued to another cart (nothing may be looked up by such a token).
 */
export function signedDigest(secret: string, token: string, cartId: string | null): string | null {
  const [nonce, digest, given, ...rest] = token.split(".");
  if (!nonce || !digest || !given || rest.length > 0 || !cartId) return null;
  const expected = Buffer.from(mac(secret, cartId, nonce, digest));
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return null;
  return digest;
}

export function verifyCheckoutToken(secret: string, token: string, cart: Cart): TokenVerdict {
  const digest = signedDigest(secret, token, cart.id);
  if (digest === null) return "forged";
  return digest === cartDigest(cart) ? "valid" : "cart_changed";
}
