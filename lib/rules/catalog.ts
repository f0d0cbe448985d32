/** What a shopper reads of a product. Pure: the product card uses it in the browser too. */

/** Sold out: stock is tracked and none is left (null stock is not tracked). */
export const isSoldOut = (product: { stock: number | null }): boolean => product.stock === 0;
