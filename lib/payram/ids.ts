import { DEFAULT_CUSTOMER_PREFIX } from "../config";

/**
 * The ids the shop gives PayRam on create (README, "How a checkout works"). PayRam echoes the invoice id in
 * webhooks, so a notification that arrives before the checkout stored its reference still finds
 * its payment attempt.
 */
export interface InvoiceRef {
  orderNumber: number;
  attemptNumber: number;
}

const INVOICE_ID = /^(\d{1,15})-(\d{1,6})$/;

/** "<order number>-<attempt number>": one per payment attempt. */
export function formatInvoiceId(invoice: InvoiceRef): string {
  return `${invoice.orderNumber}-${invoice.attemptNumber}`;
}

/** The attempt an invoice id names, or null for one the shop never formats. */
export function parseInvoiceId(invoiceId: string): InvoiceRef | null {
  const parsed = INVOICE_ID.exec(invoiceId);
  return parsed ? { orderNumber: Number(parsed[1]), attemptNumber: Number(parsed[2]) } : null;
}

/** Per order, not per shopper: a create cancels the same customer's other open payments. */
export function customerIdFor(orderNumber: number, prefix = DEFAULT_CUSTOMER_PREFIX): string {
  return `${prefix}${orderNumber}`;
}

/** The order number a customer id names, or null for one this shop (its prefix) never gives. */
export function parseCustomerId(customerId: string, prefix = DEFAULT_CUSTOMER_PREFIX): number | null {
  if (!customerId.startsWith(prefix)) return null;
  const digits = customerId.slice(prefix.length);
  return /^\d{1,15}$/.test(digits) ? Number(digits) : null;
}
