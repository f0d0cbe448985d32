import "server-only";
import { getCart } from "../cart";
import { readCartId, readLastOrderId } from "../cart/cookie";
import { findProduct, listProducts, renamedSlug } from "../catalog";
import { listProductsForMerchant, productForEditor, type ProductFilter } from "../catalog/editor";
import { loadConfig } from "../config";
import { findOrder } from "../orders";
import { orderDownloads } from "../orders/downloads";
import { orderIdByNumber, type OrderFilter } from "../views/admin-orders";
import { attentionPage, merchantOrderPage, ordersPage } from "../views/merchant";
import { refundAddressPage, shopperOrderPage } from "../views/shopper-order";
import { getDb } from "./db";
import { waitingRefundRequests } from "../refunds/approval";
import { auditKinds, listAudit, type AuditFilter } from "../auth/audit";
import { countPeople, listPeople, requiresSecondFactor } from "../auth/people";
import { listPasskeys } from "../auth/passkeys";
import { recoveryCodesLeft } from "../auth/second-factor";
import { openSessions } from "../auth/session-store";
import { personOfToken, type TokenKind } from "../auth/tokens";

/**
 * What pages read, wired to the one database and the configuration: a page never holds a database
 * handle (`npm run lint` checks it). Each is a read model of views/ or a domain's own read.
 */

// The shop.

/** The cart of this browser (its cookie); an empty one when it has none. */
export async function currentCart() {
  return getCart(getDb(), await readCartId());
}

export function shopProducts() {
  return listProducts(getDb());
}

export function shopProduct(slug: string) {
  return findProduct(getDb(), slug);
}

/** The slug a product has now, when `slug` is one it had before. */
export function productRenamedFrom(slug: string) {
  return renamedSlug(getDb(), slug);
}

/** The order this browser last checked out (its cookie), if it still exists. */
export async function lastCheckedOutOrder() {
  const orderId = await readLastOrderId();
  return orderId ? findOrder(getDb(), orderId) : null;
}

export function shopperOrder(orderId: string) {
  return shopperOrderPage(getDb(), orderId);
}

/** An order's downloads, with links signed now. */
export function shopperDownloads(orderId: string) {
  return orderDownloads(getDb(), orderId, loadConfig().sessionSecret);
}

export function refundAddressToConfirm(orderId: string) {
  return refundAddressPage(getDb(), orderId);
}

// The merchant area (each page checks the merchant's session first).

export function merchantOrders(filter: OrderFilter) {
  return ordersPage(getDb(), filter, { mailOff: loadConfig().mail.smtpUrl === null });
}

export function merchantOrder(orderId: string) {
  return merchantOrderPage(getDb(), orderId);
}

export function merchantOrderIdByNumber(number: string) {
  return orderIdByNumber(getDb(), number);
}

export function merchantProducts(filter: ProductFilter) {
  return listProductsForMerchant(getDb(), filter);
}

export function merchantProduct(productId: number) {
  return productForEditor(getDb(), productId);
}

export function merchantAttention() {
  return attentionPage(getDb(), { partialAfterMinutes: loadConfig().attentionPartialAfterMinutes });
}

/** The language an order was placed in (null: no such order): its pages speak it to a browser that chose none. */
export async function orderLocale(orderId: string) {
  return (await findOrder(getDb(), orderId))?.locale ?? null;
}

// Merchant accounts (issue 30).

/** A staff member's refund requests on this order still waiting for a decision. */
export function waitingRefundRequestsOf(orderId: string) {
  return waitingRefundRequests(getDb(), orderId);
}

/** Open sessions: one person's, or everyone's (null). */
export function merchantSessions(personId: string | null) {
  return openSessions(getDb(), personId);
}

export function merchantPeople() {
  return listPeople(getDb());
}

export function shopRequiresSecondFactor() {
  return requiresSecondFactor(getDb());
}

export function recoveryCodesLeftOf(personId: string) {
  return recoveryCodesLeft(getDb(), personId);
}

export function passkeysOf(personId: string) {
  return listPasskeys(getDb(), personId);
}

/** The audit log's page, and the kinds of action it holds (the filter's choices). */
export async function auditPage(filter: AuditFilter) {
  const [page, kinds] = await Promise.all([listAudit(getDb(), filter), auditKinds(getDb())]);
  return { ...page, kinds };
}

/** Whom a mailed link (invitation, reset) is for, while it still works. */
export function personOfLink(token: string, kind: TokenKind) {
  return personOfToken(getDb(), token, kind);
}

/** True until the shop has its first merchant account (the sign-in page says how to make one). */
export async function noMerchantAccountYet(): Promise<boolean> {
  return (await countPeople(getDb())) === 0;
}
