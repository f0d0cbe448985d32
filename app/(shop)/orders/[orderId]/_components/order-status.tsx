"use client";

import { useRouter } from "next/navigation";
import { useActionState, useEffect, useRef } from "react";
import { useLocale, useTranslations } from "next-intl";
import { CopyButton } from "./copy-button";
import { Countdown } from "./countdown";
import { Field } from "@/components/field";
import { FormAlert } from "@/components/form-alert";
import { payAgainAction, type PayAgainState } from "@/lib/actions/order";
import { formatDecimalUsd } from "@/lib/rules/money";
import { networkName, paymentUri, tokenAmountForUsd } from "@/lib/rules/payment-uri";
import { describeForShopper } from "@/lib/rules/states";
import type { OrderStatusView } from "@/lib/views/status";
import { useOrderStatus } from "@/lib/swr/use-order-status";

const TONE = {
  wait: "border-brand-100 bg-brand-50",
  ok: "border-green-200 bg-green-50",
  warn: "border-amber-200 bg-amber-50",
};

/** `downloads`: the order has digital lines; once it is paid, the status links to its download page. */
export function OrderStatus({ orderId, initial, downloads = false }: { orderId: string; initial: OrderStatusView; downloads?: boolean }) {
  const { data, error, isValidating, mutate } = useOrderStatus(orderId, initial);
  const view = data ?? initial;
  const t = useTranslations("Status");
  const tPayment = useTranslations("Payment");
  const locale = useLocale();
  const usd = (decimal: string) => formatDecimalUsd(decimal, locale);
  const copy = describeForShopper(view, { t, usd });
  const [payAgain, payAgainForm, paying] = useActionState<PayAgainState, FormData>(payAgainAction, { error: null });
  const stillChecking = view.checking || Boolean(error);
  const router = useRouter();
  const shownRevision = useRef(initial.revision);
  useEffect(() => {
    if (view.revision === shownRevision.current) return;
    shownRevision.current = view.revision;
    // The rest of the page, rendered on the server (lines shipped, refunds, the question where
    // to send one), changed: render it again; this island keeps its state.
    router.refresh();
  }, [view.revision, router]);

  return (
    <section aria-labelledby="payment-title" className={`space-y-4 rounded-xl border p-6 ${TONE[copy.tone]}`}>
      <div aria-live="polite" aria-atomic="true" className="space-y-2">
        <h2 id="payment-title" className="text-xl font-semibold" data-testid="payment-state" data-state={view.state} data-paid={view.paid}>
          {copy.title}
        </h2>
        <p>{copy.body}</p>
        {copy.note && (
          <p className="font-medium" data-testid="payment-note">
            {copy.note}
          </p>
        )}
        {copy.stock && (
          <p className="font-medium" data-testid="stock-note">
            {copy.stock}
          </p>
        )}
        {view.confirming && (
          <p className="text-sm font-medium" data-testid="confirming">
            {t("confirming", { current: view.confirming.current, required: view.confirming.required })}
          </p>
        )}
        {stillChecking && <p className="text-sm text-warn">{t("checking")}</p>}
      </div>

      <dl className="grid grid-cols-3 gap-4 text-sm">
        <Amount label={t("due")} value={usd(view.dueUsd)} testId="amount-due" />
        <Amount label={t("received")} value={usd(view.receivedUsd)} testId="amount-received" />
        <Amount label={t("remaining")} value={usd(view.remainingUsd)} testId="amount-remaining" />
      </dl>

      {downloads && view.paid && !view.cancelledByShop && (
        // Not a prefetching <Link>: the page signs fresh links on each visit.
        <a href={`/orders/${orderId}/downloads`} className="inline-block rounded-md bg-brand-600 px-5 py-2.5 font-semibold text-white hover:bg-brand-700" data-testid="downloads-link">
          {t("downloads")}
        </a>
      )}

      {view.paymentUrl && (
        <a href={view.paymentUrl} className="inline-block rounded-md bg-brand-600 px-5 py-2.5 font-semibold text-white hover:bg-brand-700">
          {t("continue")}
        </a>
      )}

      {view.paymentUrl && !view.depositAddress && (
        <p className="text-sm text-ink-muted" data-testid="payment-asset-unknown">
          {tPayment("assetUnknown")}
        </p>
      )}

      {view.paymentUrl && view.expiresAt && <Countdown expiresAt={view.expiresAt} />}

      {view.depositAddress && view.paymentUrl && <DepositAddress orderId={orderId} view={view} />}

      {view.payAgain && (
        <form action={payAgainForm} className="space-y-2">
          <input type="hidden" name="orderId" value={orderId} />
          <button type="submit" disabled={paying} className="rounded-md bg-brand-600 px-5 py-2.5 font-semibold text-white hover:bg-brand-700 disabled:opacity-70">
            {paying ? t("opening") : view.payAgain.kind === "remaining" ? t("payRemaining", { amount: usd(view.payAgain.amountUsd) }) : t("payAgain")}
          </button>
          <FormAlert error={payAgain.error} />
        </form>
      )}

      <div className="flex items-center gap-3 text-sm text-ink-muted">
        <button type="button" onClick={() => void mutate()} disabled={isValidating} className="rounded-md border border-paper-line bg-paper px-3 py-1.5 font-medium text-ink hover:bg-paper-subtle disabled:opacity-60">
          {isValidating ? t("checkingNow") : t("checkAgain")}
        </button>
        <span>{t("lastChange", { date: new Date(view.updatedAt).toLocaleString(locale === "en" ? "en-US" : locale, { dateStyle: "medium", timeStyle: "short" }) })}</span>
      </div>
    </section>
  );
}

function Amount({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div>
      <dt className="text-ink-muted">{label}</dt>
      <dd className="text-lg font-semibold tabular-nums" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

/**
 * Where and what to send while money is due: the amount and the address, each with a copy
 * button; the token and network beside them with a warning (or that PayRam has not said them
 * yet); a QR of the bare address (every wallet reads it); and a wallet link where one is safe.
 */
function DepositAddress({ orderId, view }: { orderId: string; view: OrderStatusView }) {
  const t = useTranslations("Payment");
  const locale = useLocale();
  const address = view.depositAddress!;
  const token = view.currency;
  const network = view.network;
  const amount = tokenAmountForUsd(token, view.remainingUsd);
  const link = token && network ? paymentUri(network, token, address, amount) : null;
  const asset = token && network ? t("asset", { token, network: networkName(network) }) : null;
  return (
    <div className="flex flex-col gap-4 rounded-lg border border-paper-line bg-paper p-4 sm:flex-row sm:items-start">
      {/* eslint-disable-next-line @next/next/no-img-element -- a small SVG our own API draws */}
      <img src={`/api/orders/${orderId}/deposit-qr?address=${encodeURIComponent(address)}`} alt={t("qr")} width={128} height={128} className="h-32 w-32 rounded bg-white p-1" />
      <div className="min-w-0 flex-1 space-y-3">
        {amount && (
          <Field id="payment-amount" label={t("amount")} className="space-y-1">
            <div className="flex flex-wrap items-center gap-2">
              <input id="payment-amount" readOnly value={amount} dir="ltr" className="w-40 min-w-0 rounded-md border border-paper-line bg-paper px-3 py-2 font-mono text-sm tabular-nums" />
              <span className="font-medium">{token}</span>
              <CopyButton targetId="payment-amount" label={t("copyAmount")} testId="copy-amount" />
            </div>
          </Field>
        )}
        <Field id="deposit-address" label={`${t("address")}${token ? ` (${token})` : ""}`} className="space-y-1">
          <div className="flex flex-wrap gap-2">
            <input id="deposit-address" readOnly value={address} dir="ltr" className="min-w-0 flex-1 rounded-md border border-paper-line bg-paper px-3 py-2 font-mono text-sm" />
            <CopyButton targetId="deposit-address" label={t("copyAddress")} testId="copy-address" />
          </div>
        </Field>
        {asset ? (
          <div className="space-y-1 text-sm">
            <p className="font-semibold" data-testid="payment-asset">
              {asset}
            </p>
            <p className="text-warn" role="note">
              {t("warning", { token: token!, network: networkName(network!) })}
            </p>
          </div>
        ) : (
          <p className="text-sm text-warn" data-testid="payment-asset-unknown">
            {t("assetUnknown")}
          </p>
        )}
        {!amount && <p className="text-sm text-ink-muted">{t("sendWorth", { amount: formatDecimalUsd(view.remainingUsd, locale), asset: token ?? t("theAsset") })}</p>}
        {link ? (
          <div className="space-y-1">
            <a href={link} className="inline-block rounded-md border border-brand-600 px-4 py-2 text-sm font-semibold text-brand-700 hover:bg-brand-50" data-testid="wallet-link">
              {t("openWallet")}
            </a>
            <p className="text-xs text-ink-muted">{t("walletNote")}</p>
          </div>
        ) : (
          asset && <p className="text-xs text-ink-muted">{t("noWalletLink")}</p>
        )}
      </div>
    </div>
  );
}
