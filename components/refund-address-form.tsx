"use client";

import { useActionState } from "react";
import { useTranslations } from "next-intl";
import { refundAddressAction, type RefundAddressState } from "@/lib/actions/order";
import { describedBy, Field } from "@/components/field";
import { FormAlert } from "@/components/form-alert";
import { PayoutAssetFields } from "@/components/payout-asset-fields";

/** "Where should we send your refund?" on an order the shop owes money back to. */
type Answer = { address: string; token: string; network: string };

/** `waiting`: a newer answer not confirmed yet, while the confirmed `current` stays in force. */
export function RefundAddressForm({ orderId, current, waiting }: { orderId: string; current: (Answer & { confirmed: boolean }) | null; waiting?: Answer | null }) {
  const [state, action, pending] = useActionState<RefundAddressState, FormData>(refundAddressAction, { ok: false, error: null, field: null });
  const values = state.values;
  const addressError = state.field === "address" ? state.error : null;
  const t = useTranslations("RefundAddress");
  const code = (chunks: React.ReactNode) => <code className="break-all">{chunks}</code>;
  return (
    <section aria-labelledby="refund-address" className="space-y-3 rounded-xl border border-paper-line bg-paper p-6">
      <h2 id="refund-address" className="text-lg font-semibold">
        {t("question")}
      </h2>
      {current && !state.ok && (
        <p className="text-sm" data-testid="refund-address-current">
          {t.rich(current.confirmed ? "current" : "currentWaiting", { token: current.token, network: current.network, address: current.address, code })}
        </p>
      )}
      {waiting && !state.ok && (
        <p className="text-sm" data-testid="refund-address-waiting">
          {t.rich("waiting", { token: waiting.token, network: waiting.network, address: waiting.address, code })}
        </p>
      )}
      {state.ok ? (
        <p role="status" className="text-sm text-ok">
          {t("mailed")}
        </p>
      ) : (
        <form action={action} key={values ? JSON.stringify(values) : "blank"} className="grid gap-3 sm:grid-cols-2" noValidate>
          <input type="hidden" name="orderId" value={orderId} />
          <PayoutAssetFields idPrefix="refund-address" values={values} />
          <Field id="refund-address-wallet" label={t("wallet")} error={addressError} className="sm:col-span-2">
            <input id="refund-address-wallet" name="address" defaultValue={values?.address ?? ""} autoComplete="off" spellCheck={false} className="mt-1 w-full rounded-md border border-paper-line px-2 py-1.5 font-mono text-sm" aria-invalid={addressError ? true : undefined} aria-describedby={describedBy("refund-address-wallet", addressError)} />
          </Field>
          <div className="sm:col-span-2">
            <button type="submit" disabled={pending} className="rounded-md bg-brand-600 px-4 py-2 font-semibold text-white hover:bg-brand-700 disabled:opacity-60">
              {pending ? t("sending") : t("send")}
            </button>
            <FormAlert error={state.field === null ? state.error : null} className="mt-2 text-sm text-bad" />
          </div>
        </form>
      )}
    </section>
  );
}
