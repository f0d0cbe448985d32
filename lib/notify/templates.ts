/**
 * What each mail says. Escaped string templates, rendered by the sender when it sends: no React
 * (react-dom/server throws under the `react-server` condition that route handlers, actions and
 * the tsx commands use). Every value from a shopper or the merchant is HTML-escaped; a mail never
 * carries a secret (API key, admin password, session) — only the order's own link, which the
 * shopper already has. The merchant's mails (read by ops lists, forwarded) name the order by its
 * number and link the merchant area by it: they never carry the order's secret id, the shopper's
 * only key to their order's page, downloads and refund form.
 */

import { direction, localeOr } from "../rules/locales";
import { translator } from "../i18n/messages";
import { formatDecimalUsd } from "../rules/money";

export interface MailLine {
  name: string;
  quantity: number;
}

/** Captured at the event (amounts as exact decimal strings), stored as JSON in the outbox. */
export type MailPayload =
  | { kind: "payment_opened"; orderNumber: number; orderId: string; amountUsd: string; paymentUrl: string }
  | { kind: "partly_paid"; orderNumber: number; orderId: string; receivedUsd: string; dueUsd: string }
  | { kind: "paid"; orderNumber: number; orderId: string; totalUsd: string; lines: MailLine[]; ships: boolean; downloads: boolean }
  | { kind: "expired"; orderNumber: number; orderId: string }
  | { kind: "shipped"; orderNumber: number; orderId: string; lines: MailLine[]; carrier: string; trackingNumber: string; trackingUrl: string | null }
  | { kind: "downloads_ready"; orderNumber: number; orderId: string; files: string[] }
  // Mails queued before they lost their orderId still carry it: never read for the merchant.
  | { kind: "merchant_paid"; orderNumber: number; totalUsd: string; email: string }
  | { kind: "merchant_attention"; orderNumber: number | null; what: string; detail: string }
  | { kind: "confirm_refund_address"; orderNumber: number; orderId: string; network: string; token: string; address: string; confirmToken: string }
  | { kind: "refund_sent"; orderNumber: number; orderId: string; amountUsd: string; cryptoAmount: string; token: string; txHash: string | null }
  // The merchant's team (issue 30): single-use links, valid 24 hours.
  | { kind: "person_invite"; role: string; invitedBy: string; token: string }
  | { kind: "password_reset"; token: string };

export interface MailContext {
  shopName: string;
  /** APP_BASE_URL: the shop's public origin. */
  baseUrl: string;
  /** The language the order was placed in: the shopper's mails speak it (the merchant's stay English). */
  locale?: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

interface Body {
  heading: string;
  paragraphs: string[];
  lines?: MailLine[];
  link?: { href: string; label: string };
}

export function renderMail(payload: MailPayload, context: MailContext): RenderedMail {
  const order = (path = "") => `${context.baseUrl}/orders/${"orderId" in payload ? payload.orderId : ""}${path}`;
  // The merchant area's page of an order, by its number (app/admin/(area)/orders/by-number).
  const merchantOrder = (orderNumber: number) => `${context.baseUrl}/admin/orders/by-number/${orderNumber}`;
  const number = "orderNumber" in payload && payload.orderNumber !== null ? `#${payload.orderNumber}` : "";
  const locale = localeOr(context.locale);
  const usd = (amount: string) => (locale === "en" ? `$${amount}` : formatDecimalUsd(amount, locale));
  const t = translator(locale, "Mail");
  const compose = (subject: string, body: Body): RenderedMail => ({
    subject: `${subject} · ${context.shopName}`,
    text: plainText(context, body),
    html: html(context, subject, body),
  });
  switch (payload.kind) {
    case "payment_opened":
      return compose(t("openedSubject", { number }), {
        heading: t("openedHeading", { number }),
        paragraphs: [t("openedBody", { amount: usd(payload.amountUsd) })],
        link: { href: order(), label: t("yourOrder") },
      });
    case "partly_paid":
      return compose(t("partlySubject", { number }), {
        heading: t("partlyHeading", { received: usd(payload.receivedUsd), due: usd(payload.dueUsd) }),
        paragraphs: [t("partlyBody")],
        link: { href: order(), label: t("yourOrder") },
      });
    case "paid":
      return compose(t("paidSubject", { number }), {
        heading: t("paidHeading"),
        paragraphs: [t("paidBody", { total: usd(payload.totalUsd), number }), ...(payload.ships ? [t("paidShips")] : []), ...(payload.downloads ? [t("paidDownloads")] : [])],
        lines: payload.lines,
        link: payload.downloads ? { href: order("/downloads"), label: t("yourDownloads") } : { href: order(), label: t("yourOrder") },
      });
    case "expired":
      return compose(t("expiredSubject", { number }), {
        heading: t("expiredHeading"),
        paragraphs: [t("expiredBody")],
        link: { href: order(), label: t("yourOrder") },
      });
    case "shipped":
      return compose(t("shippedSubject", { number }), {
        heading: t("shippedHeading"),
        paragraphs: [t("shippedBody", { carrier: payload.carrier, tracking: payload.trackingNumber })],
        lines: payload.lines,
        link: payload.trackingUrl ? { href: payload.trackingUrl, label: t("track") } : { href: order(), label: t("yourOrder") },
      });
    case "downloads_ready":
      return compose(t("downloadsSubject", { number }), {
        heading: t("downloadsHeading"),
        paragraphs: [t("downloadsBody", { files: payload.files.join(", ") })],
        link: { href: order("/downloads"), label: t("yourDownloads") },
      });
    case "merchant_paid":
      return compose(`New paid order ${number}`, {
        heading: `Order ${number} is paid: ${usd(payload.totalUsd)}`,
        paragraphs: [`From ${payload.email}.`],
        link: { href: merchantOrder(payload.orderNumber), label: "Open it in the merchant area" },
      });
    case "confirm_refund_address":
      return compose(t("confirmSubject", { number }), {
        heading: t("confirmHeading"),
        paragraphs: [t("confirmBody", { token: payload.token, network: payload.network, address: payload.address }), t("confirmIgnore")],
        link: { href: order(`/refund-address?token=${payload.confirmToken}`), label: t("confirmLink") },
      });
    case "person_invite":
      return compose("You are invited to the merchant area", {
        heading: `${payload.invitedBy} invited you as ${payload.role}`,
        paragraphs: ["Choose your password on the page this link opens. The link works once, for 24 hours."],
        link: { href: `${context.baseUrl}/admin/invite?token=${payload.token}`, label: "Set your password" },
      });
    case "password_reset":
      return compose("Set a new password", {
        heading: "Set a new password",
        paragraphs: ["Someone (you, we hope) asked to reset your password for the merchant area. The link works once, for 24 hours. If it was not you, ignore this mail: your password stays as it is."],
        link: { href: `${context.baseUrl}/admin/reset?token=${payload.token}`, label: "Set a new password" },
      });
    case "refund_sent":
      return compose(t("refundSubject", { number }), {
        heading: t("refundHeading", { amount: usd(payload.amountUsd) }),
        paragraphs: [`${t("refundBody", { crypto: payload.cryptoAmount, token: payload.token })}${payload.txHash ? ` ${t("refundTx", { tx: payload.txHash })}` : ""}`],
        link: { href: order(), label: t("yourOrder") },
      });
    case "merchant_attention":
      return compose(`Needs attention${number ? `: order ${number}` : ""} — ${payload.what}`, {
        heading: payload.what,
        paragraphs: [payload.detail],
        link: { href: payload.orderNumber !== null ? merchantOrder(payload.orderNumber) : `${context.baseUrl}/admin/attention`, label: "Open the merchant area" },
      });
  }
}

function plainText(context: MailContext, body: Body): string {
  return [
    body.heading,
    "",
    ...body.paragraphs.flatMap((paragraph) => [paragraph, ""]),
    ...(body.lines?.length ? [...body.lines.map((line) => `- ${line.quantity} × ${line.name}`), ""] : []),
    ...(body.link ? [`${body.link.label}: ${body.link.href}`, ""] : []),
    `— ${context.shopName}`,
  ].join("\n");
}

function html(context: MailContext, title: string, body: Body): string {
  const lines = body.lines?.length ? `<ul>${body.lines.map((line) => `<li>${line.quantity} × ${escape(line.name)}</li>`).join("")}</ul>` : "";
  const link = body.link ? `<p><a href="${escape(body.link.href)}">${escape(body.link.label)}</a></p>` : "";
  const locale = localeOr(context.locale);
  return `<!doctype html><html lang="${locale}" dir="${direction(locale)}"><head><meta charset="utf-8"><title>${escape(title)}</title></head><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1c1917">
<h1 style="font-size:20px">${escape(body.heading)}</h1>
${body.paragraphs.map((paragraph) => `<p>${escape(paragraph)}</p>`).join("\n")}
${lines}
${link}
<p style="color:#57534e">— ${escape(context.shopName)}</p>
</body></html>`;
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}
