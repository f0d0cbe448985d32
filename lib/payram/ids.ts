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

const CUSTOMER_PREFIX = "order_";
const CUSTOMER_ID = /^order_(\d{1,15})$/;

/** Per order, not per shopper: a create cancels the same customer's other open payments. */
export function customerIdFor(orderNumber: number): string {
  return `${CUSTOMER_PREFIX}${orderNumber}`;
}

/** The order number a customer id names, or null for one the shop never gives. */
export function parseCustomerId(customerId: string): number | null {
  const parsed = CUSTOMER_ID.exec(customerId);
  return parsed ? Number(parsed[1]) : null;
}
