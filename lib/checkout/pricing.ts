import { MAX_QUANTITY, type Cart } from "../cart";
import { shortfall } from "../catalog/stock";
import { said, type Said } from "../i18n/said";
import type { NewOrderLine } from "../orders";

export type PricedCart =
  | { ok: true; lines: NewOrderLine[]; totalCents: number; ships: boolean }
  | { ok: false; error: Said };

/**
 * Prices a cart for an order, from the catalog's prices as the server read them (integer
 * cents). Nothing the browser sent takes part: the cart holds only product ids and quantities.
 */
export function priceCart(cart: Cart): PricedCart {
  if (cart.lines.length === 0) return { ok: false, error: said("cartEmpty") };
  const unavailable = cart.lines.filter((line) => !line.available).map((line) => line.name);
  if (unavailable.length > 0) {
    return {
      ok: false,
      error: said("noLongerAvailable", { names: unavailable.join(", "), count: unavailable.length }),
    };
  }
  // What the shopper can see before paying; the reservation in createOrder is what decides.
  const short = cart.lines.filter((line) => line.stock !== null && line.quantity > line.stock);
  if (short.length > 0) {
    const lines = shortfall(short.map((line) => ({ productId: line.productId, name: line.name, available: line.stock! })));
    return { ok: false, error: said("shortChangeCart", { short: lines }) };
  }
  const lines = cart.lines.map((line) => {
    if (!Number.isSafeInteger(line.unitPriceCents) || line.unitPriceCents <= 0) {
      throw new Error(`product ${line.slug} has an invalid price`);
    }
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_QUANTITY) {
      throw new Error(`cart line ${line.slug} has an invalid quantity`);
    }
    return {
      productId: line.productId,
      slug: line.slug,
      name: line.name,
      unitPriceCents: line.unitPriceCents,
      quantity: line.quantity,
      lineTotalCents: line.unitPriceCents * line.quantity,
      ships: line.ships,
    };
  });
  const totalCents = lines.reduce((sum, line) => sum + line.lineTotalCents, 0);
  if (!Number.isSafeInteger(totalCents)) throw new Error("cart total is out of range");
  return { ok: true, lines, totalCents, ships: lines.some((line) => line.ships) };
}
