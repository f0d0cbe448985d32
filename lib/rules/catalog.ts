/** What a shopper reads of a product. Pure: the product card uses it in the browser too. */

/** Sold out: stock is tracked and none is left (null stock is not tracked). */
export const isSoldOut = (product: { stock: number | null }): boolean => product.stock === 0;

/** The most pieces of a product one order may take when the merchant sets no other number (stock tracked only). */
export const DEFAULT_MAX_PER_ORDER = 10;

/** The highest per-order maximum the product form accepts: a cart line's own limit. */
export const HIGHEST_MAX_PER_ORDER = 99;

/**
 * What the unpaid orders of one client, or of one email address, may hold of a product at once:
 * this many of its per-order maximum (20 pieces at the default 10). An honest shopper can leave
 * one order unpaid and place another; a hoarder with one address or one email stops there.
 */
export const UNPAID_HOLD_ORDERS = 2;
