/** Every mail the shop sends (the outbox's kind column, lib/db/schema.ts). */
export const MAIL_KINDS = [
  "payment_opened", // how to pay, with the order's link
  "partly_paid", // the first part of the payment arrived
  "paid", // one per order, written with the fulfilment
  "expired", // unpaid, nothing received, no payment open
  "shipped", // lines shipped, with carrier and tracking
  "downloads_ready", // digital goods: the download page
  "merchant_paid", // to the merchant: a new paid order
  "merchant_attention", // to the merchant: something needs a look
  "refund_sent", // a refund's payout was sent, with its transaction
  "confirm_refund_address", // the link that confirms where the shopper wants their refund
  "person_invite", // to a new member of the merchant's team: the link that sets their password
  "password_reset", // to a member of the team: the link that sets a new password
] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

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
  person_invite: "invitation to the merchant area",
  password_reset: "password reset",
};
