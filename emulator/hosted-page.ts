import QRCode from "qrcode";
import { formatUnits, centsToUnits, formatUsd, halfOf } from "./money";
import { filledCents, isTerminal, remainingCents, type Payment } from "./payments";
import type { RuntimeConfig } from "./runtime-config";

/** The hosted payment page: self-contained HTML (inline CSS and script, no external asset). */

export const OVER_EXTRA_CENTS = 100;

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** The return link: the project's success or cancel URL with ?reference_id= appended. */
export function returnUrl(base: string, referenceId: string): string {
  const url = new URL(base);
  url.searchParams.set("reference_id", referenceId);
  return url.toString();
}

export type PageNotice = { kind: "info" | "error"; text: string; link?: { href: string; text: string } } | null;

const STYLE = `
:root { color-scheme: light; --ink:#1b1f24; --muted:#5b6470; --line:#dfe3e8; --brand:#3b5bdb; --ok:#1b6e2d; --warn:#8a4600; --bad:#c92a2a; }
* { box-sizing: border-box; }
body { margin:0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--ink); background:#f3f5f8; }
main { max-width: 34rem; margin: 2rem auto; background:#fff; border:1px solid var(--line); border-radius:14px; padding:1.75rem; box-shadow:0 6px 24px rgba(0,0,0,.06); }
header { display:flex; justify-content:space-between; align-items:baseline; gap:1rem; }
h1 { font-size:1.35rem; margin:0; }
.badge { font-size:.75rem; color:var(--muted); border:1px solid var(--line); border-radius:999px; padding:.1rem .6rem; white-space:nowrap; }
.amount { font-size:2.25rem; font-weight:700; margin:.75rem 0 0; }
.sub { color:var(--muted); margin:0 0 1rem; }
dl { display:grid; grid-template-columns:auto 1fr; gap:.35rem 1rem; margin:1rem 0; }
dt { color:var(--muted); } dd { margin:0; font-variant-numeric: tabular-nums; }
.state { font-weight:700; letter-spacing:.02em; padding:.1rem .5rem; border-radius:6px; background:#eef2ff; color:var(--brand); }
.state[data-state="FILLED"], .state[data-state="OVER_FILLED"] { background:#ebfbee; color:var(--ok); }
.state[data-state="PARTIALLY_FILLED"] { background:#fff4e6; color:var(--warn); }
.state[data-state="CANCELLED"] { background:#fff5f5; color:var(--bad); }
.address { display:flex; gap:.5rem; align-items:center; }
.address input { flex:1; font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; padding:.5rem; border:1px solid var(--line); border-radius:8px; background:#f8f9fa; min-width:0; }
.qr { width:168px; height:168px; margin:1rem auto; } .qr svg { width:100%; height:100%; }
.actions { display:grid; gap:.6rem; margin-top:1.25rem; border-top:1px solid var(--line); padding-top:1.25rem; }
.actions form { display:flex; gap:.6rem; align-items:center; flex-wrap:wrap; margin:0; }
.hint { color:var(--muted); font-size:.9rem; }
button, .button { font:inherit; cursor:pointer; border-radius:8px; border:1px solid var(--brand); background:var(--brand); color:#fff; padding:.5rem .9rem; text-decoration:none; display:inline-block; }
button.secondary { background:#fff; color:var(--brand); }
button.danger { background:#fff; color:var(--bad); border-color:var(--bad); }
button:focus-visible, .button:focus-visible, input:focus-visible, a:focus-visible { outline:3px solid #91a7ff; outline-offset:2px; }
label { font-weight:600; }
.custom input { width:8rem; font:inherit; padding:.45rem .6rem; border:1px solid var(--line); border-radius:8px; }
.notice { padding:.6rem .8rem; border-radius:8px; background:#e7f5ff; margin:1rem 0 0; }
.notice.error { background:#fff5f5; color:var(--bad); }
table { width:100%; border-collapse:collapse; font-size:.85rem; margin-top:1rem; }
th, td { text-align:left; padding:.3rem .25rem; border-bottom:1px solid var(--line); }
td.hash { font-family: ui-monospace, monospace; overflow-wrap:anywhere; }
footer { color:var(--muted); font-size:.8rem; margin-top:1.25rem; }
`;

const COPY_SCRIPT = `
document.getElementById("copy-address")?.addEventListener("click", async (event) => {
  const button = event.currentTarget;
  const input = document.getElementById("deposit-address");
  try { await navigator.clipboard.writeText(input.value); button.textContent = "Copied"; }
  catch { input.select(); button.textContent = "Press Ctrl+C"; }
  setTimeout(() => { button.textContent = "Copy"; }, 2000);
});
`;

function layout(title: string, body: string, script = ""): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
${script ? `<script>${script}</script>` : ""}
</body>
</html>`;
}

function actionForm(referenceId: string, kind: string, label: string, hint: string, className = ""): string {
  const hintId = `hint-${kind}`;
  return `<form method="post" action="/payments/deposit">
  <input type="hidden" name="reference_id" value="${escapeHtml(referenceId)}">
  <input type="hidden" name="kind" value="${kind}">
  <button type="submit"${className ? ` class="${className}"` : ""} aria-describedby="${hintId}">${escapeHtml(label)}</button>
  <span class="hint" id="${hintId}">${escapeHtml(hint)}</span>
</form>`;
}

export async function renderPaymentPage(payment: Payment, config: RuntimeConfig, notice: PageNotice): Promise<string> {
  const { merchantName, successUrl, cancelUrl } = config.project;
  const ref = payment.referenceId;
  const filled = filledCents(payment);
  const remaining = remainingCents(payment);
  const currency = payment.currency;
  const cryptoDue = formatUnits(centsToUnits(payment.amountCents, currency.decimals), currency.decimals);
  const qr = await QRCode.toString(payment.depositAddress, { type: "svg", margin: 1, errorCorrectionLevel: "M" });
  const terminal = isTerminal(payment.state);
  const confirmingCents = payment.pending.reduce((sum, deposit) => sum + deposit.amountCents, 0);
  // api.topUp "new-reference": PayRam's core matches only OPEN requests, so a further transfer opens a new one.
  const topUpHint =
    config.api.topUp === "new-reference" && payment.state === "PARTIALLY_FILLED"
      ? `<p class="hint" style="margin:0">Profile ${escapeHtml(config.profile)}: a further transfer opens a new payment request for the same customer; this one stays partly paid.</p>`
      : "";

  const actions = terminal
    ? `<section class="actions" aria-labelledby="done-heading">
  <h2 id="done-heading" style="font-size:1rem;margin:0">${
    payment.state === "CANCELLED"
      ? "This payment was cancelled."
      : payment.state === "OVER_FILLED"
        ? "Payment received — more than requested. Thank you!"
        : "Payment received. Thank you!"
  }</h2>
  <p style="margin:0"><a class="button" href="${escapeHtml(returnUrl(payment.state === "CANCELLED" ? cancelUrl : successUrl, ref))}">Return to ${escapeHtml(merchantName)}</a></p>
</section>`
    : `<section class="actions" aria-labelledby="wallet-heading">
  <h2 id="wallet-heading" style="font-size:1rem;margin:0">Simulate the shopper's wallet</h2>
  ${topUpHint}
  ${actionForm(ref, "full", "Send full amount", `$${formatUsd(remaining)}, the remaining amount`)}
  ${actionForm(ref, "partial", "Send partial amount", `$${formatUsd(halfOf(remaining))}, half of the remaining amount`, "secondary")}
  ${actionForm(ref, "over", "Send over amount", `$${formatUsd(remaining + OVER_EXTRA_CENTS)}, $${formatUsd(OVER_EXTRA_CENTS)} more than remaining`, "secondary")}
  <form method="post" action="/payments/deposit" class="custom">
    <input type="hidden" name="reference_id" value="${escapeHtml(ref)}">
    <input type="hidden" name="kind" value="custom">
    <label for="custom-amount">Custom amount (USD)</label>
    <input id="custom-amount" name="amount" type="text" inputmode="decimal" autocomplete="off" placeholder="12.50" pattern="\\d+(\\.\\d{1,2})?" required>
    <button type="submit" class="secondary">Send custom amount</button>
  </form>
  <form method="post" action="/payments/cancel">
    <input type="hidden" name="reference_id" value="${escapeHtml(ref)}">
    <button type="submit" class="danger">Cancel payment</button>
  </form>
</section>`;

  const deposits = payment.deposits.length
    ? `<table>
  <caption class="hint" style="text-align:left">Transfers received</caption>
  <thead><tr><th scope="col">Amount</th><th scope="col">Transaction</th></tr></thead>
  <tbody>${payment.deposits.map((d) => `<tr><td>$${formatUsd(d.amountCents)}</td><td class="hash">${escapeHtml(d.txHash)}</td></tr>`).join("")}</tbody>
</table>`
    : "";

  const body = `<main>
  <header>
    <h1>Pay ${escapeHtml(merchantName)}</h1>
    <span class="badge">PayRam emulator</span>
  </header>
  <p class="amount">$${formatUsd(payment.amountCents)}</p>
  <p class="sub">${escapeHtml(cryptoDue)} ${escapeHtml(currency.symbol)} on ${escapeHtml(payment.network)} · invoice ${escapeHtml(payment.invoiceId)}</p>
  <div role="status" aria-live="polite">
    <p style="margin:0">Status: <strong class="state" id="payment-state" data-testid="payment-state" data-state="${payment.state}">${payment.state}</strong></p>
    ${notice ? `<p class="notice${notice.kind === "error" ? " error" : ""}">${escapeHtml(notice.text)}${notice.link ? ` <a href="${escapeHtml(notice.link.href)}">${escapeHtml(notice.link.text)}</a>` : ""}</p>` : ""}
  </div>
  <dl>
    <dt>Amount due</dt><dd id="amount-due">$${formatUsd(payment.amountCents)}</dd>
    <dt>Amount received</dt><dd id="amount-received">$${formatUsd(filled)}</dd>
    <dt>Remaining</dt><dd id="amount-remaining">$${formatUsd(remaining)}</dd>
    ${confirmingCents > 0 ? `<dt>Confirming</dt><dd id="amount-confirming">$${formatUsd(confirmingCents)} (counts once confirmed)</dd>` : ""}
    ${terminal ? "" : `<dt>Expires</dt><dd><time datetime="${payment.expiresAt.toISOString()}">${escapeHtml(payment.expiresAt.toUTCString())}</time></dd>`}
  </dl>
  <label for="deposit-address">Deposit address (${escapeHtml(currency.symbol)} on ${escapeHtml(payment.network)})</label>
  <div class="address">
    <input id="deposit-address" readonly value="${escapeHtml(payment.depositAddress)}">
    <button type="button" id="copy-address" class="secondary" aria-label="Copy deposit address">Copy</button>
  </div>
  <div class="qr" role="img" aria-label="QR code of the deposit address">${qr}</div>
  ${deposits}
  ${actions}
  <footer>Reference ${escapeHtml(ref)}${payment.topUpOf ? ` · top-up of ${escapeHtml(payment.topUpOf)}` : ""} · profile <span id="emulator-profile">${escapeHtml(config.profile)}</span> · a local stand-in for PayRam; no real funds move.</footer>
</main>`;
  return layout(`Pay ${merchantName} — $${formatUsd(payment.amountCents)}`, body, COPY_SCRIPT);
}

export function renderNotFound(): string {
  return layout(
    "Payment not found",
    `<main><h1>Payment not found</h1><p>This payment link is unknown or malformed. Ask the shop for a new one.</p></main>`,
  );
}

export function renderIndex(payments: Payment[], merchantName: string): string {
  const rows = payments
    .map(
      (p) =>
        `<tr><td><a href="/payments?reference_id=${encodeURIComponent(p.referenceId)}">${escapeHtml(p.referenceId)}</a></td><td>${escapeHtml(p.customerId)}</td><td>$${formatUsd(p.amountCents)}</td><td>${p.state}</td></tr>`,
    )
    .join("");
  return layout(
    "PayRam emulator",
    `<main><header><h1>PayRam emulator</h1><span class="badge">${escapeHtml(merchantName)}</span></header>
<p>API at <code>/api/v1</code>, control routes at <a href="/__emulator">/__emulator</a>.</p>
${payments.length ? `<table><caption class="hint" style="text-align:left">Payments</caption><thead><tr><th scope="col">Reference</th><th scope="col">Customer</th><th scope="col">Amount</th><th scope="col">State</th></tr></thead><tbody>${rows}</tbody></table>` : "<p>No payments yet.</p>"}
</main>`,
  );
}
