import type { MailKind } from "../db/schema";

/** The merchant's words for each mail. */
export const MAIL_LABELS: Record<MailKind, string> = {
  payment_opened: "how to pay",
  partly_paid: "part of the payment arrived",
  paid: "paid",
  expired: "payment expired",
  shipped: "shipped",
  downloads_ready: "downloads ready",
  merchant_paid: "new paid order (to the merchant)",
  merchant_attention: "needs attention (to the merchant)",
  refund_sent: "refund sent",
  confirm_refund_address: "confirm the refund address",
};
