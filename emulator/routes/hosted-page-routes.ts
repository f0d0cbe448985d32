import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { EmulatorCore } from "../core";
import { readBody, redirect, sendHtml, sendText } from "../http";
import { OVER_EXTRA_CENTS, renderIndex, renderNotFound, renderPaymentPage, type PageNotice } from "../hosted-page";
import { isUuid } from "../identifiers";
import { formatUsd, halfOf, parseUsdCents } from "../money";
import { remainingCents } from "../payments";

/** The shopper-facing page at /payments?reference_id=… and its form actions (POST, then redirect back). */

export const PAGE_ENDPOINTS = {
  page: "GET /payments",
  deposit: "POST /payments/deposit",
  cancel: "POST /payments/cancel",
} as const;

const pageUrl = (referenceId: string, extra = "") => `/payments?reference_id=${encodeURIComponent(referenceId)}${extra}`;

/** Notices come back through the redirect as fixed codes (and a re-formatted amount), never as free text. */
function noticeFrom(query: URLSearchParams): PageNotice {
  const sent = parseUsdCents(query.get("sent") ?? "");
  const topUp = query.get("topup") ?? "";
  if (sent !== null && isUuid(topUp)) {
    return { kind: "info", text: `Sent $${formatUsd(sent)}. PayRam opened a new payment request for it:`, link: { href: pageUrl(topUp), text: topUp } };
  }
  if (sent !== null) return { kind: "info", text: `Sent $${formatUsd(sent)}.` };
  switch (query.get("error")) {
    case "amount":
      return { kind: "error", text: "Enter an amount greater than 0 with at most 2 decimals, such as 12.50." };
    case "closed":
      return { kind: "error", text: "This payment is closed and accepts no more transfers." };
    default:
      return query.get("cancelled") === "1" ? { kind: "info", text: "Payment cancelled." } : null;
  }
}

export async function handlePage(core: EmulatorCore, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const referenceId = query.get("reference_id") ?? "";
  core.stats.record(PAGE_ENDPOINTS.page, isUuid(referenceId) ? referenceId : undefined);
  const payment = isUuid(referenceId) ? core.store.get(referenceId) : undefined;
  if (!payment) return sendHtml(res, 404, renderNotFound());
  core.store.markAddressShown(payment);
  sendHtml(res, 200, await renderPaymentPage(payment, core.config, noticeFrom(query)));
}

export function handleIndex(core: EmulatorCore, res: ServerResponse): void {
  sendHtml(res, 200, renderIndex(core.store.list(), core.config.project.merchantName));
}

const formSchema = z.object({
  reference_id: z.string().refine(isUuid),
  kind: z.enum(["full", "partial", "over", "custom"]).optional(),
  amount: z.string().optional(),
});

async function readForm(core: EmulatorCore, req: IncomingMessage, res: ServerResponse, endpoint: string) {
  const read = await readBody(req, core.settings.maxBodyBytes);
  const fields = read.ok ? Object.fromEntries(new URLSearchParams(read.body.toString("utf8"))) : {};
  const reference = typeof fields.reference_id === "string" && isUuid(fields.reference_id) ? fields.reference_id : undefined;
  core.stats.record(endpoint, reference);
  if (!read.ok) {
    if (read.reason === "too-large") sendText(res, 413, "Request body too large");
    return null;
  }
  const form = formSchema.safeParse(fields);
  if (!form.success) {
    sendHtml(res, 400, renderNotFound());
    return null;
  }
  const payment = core.store.get(form.data.reference_id);
  if (!payment) {
    sendHtml(res, 404, renderNotFound());
    return null;
  }
  return { ...form.data, payment };
}

export async function handlePageDeposit(core: EmulatorCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const form = await readForm(core, req, res, PAGE_ENDPOINTS.deposit);
  if (!form) return;
  const remaining = remainingCents(form.payment);
  const cents =
    form.kind === "full" ? remaining
    : form.kind === "partial" ? halfOf(remaining)
    : form.kind === "over" ? remaining + OVER_EXTRA_CENTS
    : parseUsdCents(form.amount ?? "");
  if (cents === null || cents <= 0) return redirect(res, pageUrl(form.reference_id, "&error=amount"));
  const result = core.store.deposit(form.reference_id, cents);
  if (!result.ok) return redirect(res, pageUrl(form.reference_id, "&error=closed"));
  const topUp = result.payment.referenceId === form.reference_id ? "" : `&topup=${result.payment.referenceId}`;
  redirect(res, pageUrl(form.reference_id, `&sent=${formatUsd(cents)}${topUp}`));
}

export async function handlePageCancel(core: EmulatorCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const form = await readForm(core, req, res, PAGE_ENDPOINTS.cancel);
  if (!form) return;
  const result = core.store.cancel(form.reference_id);
  redirect(res, pageUrl(form.reference_id, result.ok ? "&cancelled=1" : "&error=closed"));
}
