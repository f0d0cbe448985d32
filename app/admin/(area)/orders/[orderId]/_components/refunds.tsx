"use client";

import { useActionState } from "react";
import { endRefundAction, refundAction, retryRefundAction, type RefundState } from "@/lib/actions/refunds";
import { FieldError } from "@/components/field-error";
import { PayoutAssetFields } from "@/components/payout-asset-fields";

export interface RefundRow {
  id: string;
  amountUsd: string;
  cryptoAmount: string;
  token: string;
  network: string;
  address: string;
  status: string;
  description: string;
  txHash: string | null;
  createdAt: string;
}


const IN_FLIGHT = new Set(["requesting", "pending-otp-verification", "pending-approval", "pending", "initiated", "sent"]);

function AskAgain({ refundId, label, end = false }: { refundId: string; label: string; end?: boolean }) {
  const [state, action, pending] = useActionState<RefundState, FormData>(end ? endRefundAction : retryRefundAction, { message: null, error: null, field: null });
  return (
    <form action={action} className="mt-1 flex flex-wrap items-center gap-2">
      <input type="hidden" name="refundId" value={refundId} />
      <button type="submit" disabled={pending} className="rounded-md border border-paper-line px-2 py-1 text-xs font-medium disabled:opacity-70">
        {pending ? (end ? "Checking PayRam's payouts…" : "Asking PayRam…") : label}
      </button>
      <span role="status" aria-live="polite" className="text-xs">
        {state.message}
        {state.error && <span className="text-bad">{state.error}</span>}
      </span>
    </form>
  );
}

/** The order's refunds (paid out through PayRam) and, while something is refundable, the form for a new one. */
export function Refunds({
  orderId,
  refunds,
  refundableUsd,
  formToken,
  shopperAddress = null,
}: {
  orderId: string;
  refunds: RefundRow[];
  refundableUsd: string;
  formToken: string;
  /** The shopper's answer on their order's page; prefilled once they confirmed it by mail. */
  shopperAddress?: { network: string; token: string; address: string; confirmed: boolean } | null;
}) {
  const [state, action, pending] = useActionState<RefundState, FormData>(refundAction, { message: null, error: null, field: null });
  const error = (field: string) => (state.field === field ? state.error : null);
  // A refused form comes back with what was typed; a new key renders the fields with it.
  const confirmed = shopperAddress?.confirmed ? shopperAddress : null;
  const values = state.values ?? (confirmed ? { network: confirmed.network, token: confirmed.token, address: confirmed.address, amount: refundableUsd } : undefined);
  const formKey = values ? JSON.stringify(values) : "blank";
  return (
    <section aria-labelledby="refunds" className="space-y-4 rounded-xl border border-paper-line bg-paper p-6">
      <h2 id="refunds" className="text-lg font-semibold">
        Refunds
      </h2>
      {refunds.length > 0 && (
        <ul className="space-y-2 text-sm" data-testid="refunds">
          {refunds.map((refund) => (
            <li key={refund.id} data-status={refund.status}>
              <span className="font-medium tabular-nums">${refund.amountUsd}</span> as {refund.cryptoAmount} {refund.token} on {refund.network} to{" "}
              <code className="break-all">{refund.address}</code>: {refund.description}
              {IN_FLIGHT.has(refund.status) && <AskAgain refundId={refund.id} label={refund.status === "requesting" ? "Ask PayRam again" : "Check with PayRam"} />}
              {/* Ends it only once PayRam's payout list shows no payout (checked on the server); the amount is then refundable again. */}
              {refund.status === "requesting" && <AskAgain refundId={refund.id} label="End this refund" end />}
            </li>
          ))}
        </ul>
      )}
      {shopperAddress && (
        <p className="text-sm" data-testid="shopper-refund-address">
          The shopper asked for {shopperAddress.token} on {shopperAddress.network} to <code className="break-all">{shopperAddress.address}</code>
          {shopperAddress.confirmed ? " (confirmed by mail)." : " — not confirmed by mail yet: do not use it before it is."}
        </p>
      )}
      <p className="text-sm">
        Refundable now: <strong className="tabular-nums" data-testid="refundable">${refundableUsd}</strong>
      </p>
      {refundableUsd !== "0.00" && (
        <form action={action} key={formKey} className="grid gap-3 sm:grid-cols-2" noValidate>
          <input type="hidden" name="orderId" value={orderId} />
          <input type="hidden" name="formToken" value={formToken} />
          <PayoutAssetFields idPrefix="refund" values={values} tokenError={error("token")} />
          <div className="sm:col-span-2">
            <label htmlFor="refund-address" className="block text-sm font-medium">
              Shopper&apos;s wallet address
            </label>
            <input id="refund-address" name="address" defaultValue={values?.address ?? ""} autoComplete="off" spellCheck={false} className="mt-1 w-full rounded-md border border-paper-line px-2 py-1.5 font-mono text-sm" aria-invalid={error("address") ? true : undefined} aria-describedby={error("address") ? "refund-address-error" : undefined} />
            <FieldError id="refund-address" error={error("address")} />
          </div>
          <div>
            <label htmlFor="refund-amount" className="block text-sm font-medium">
              Amount (USD)
            </label>
            <input id="refund-amount" name="amount" inputMode="decimal" defaultValue={values?.amount ?? refundableUsd} className="mt-1 w-full rounded-md border border-paper-line px-2 py-1.5 tabular-nums" aria-invalid={error("amount") ? true : undefined} aria-describedby={error("amount") ? "refund-amount-error" : undefined} />
            <FieldError id="refund-amount" error={error("amount")} />
          </div>
          <div className="flex items-end">
            <button type="submit" disabled={pending} className="rounded-md bg-ink px-4 py-2 font-medium text-white disabled:opacity-70">
              {pending ? "Asking PayRam…" : "Refund through PayRam"}
            </button>
          </div>
        </form>
      )}
      {/* Outside the form: a refund that takes all that was refundable hides the form, not its answer. */}
      <p role="status" aria-live="polite" className="text-sm" data-testid="refund-status">
        {state.message && <span>{state.message}</span>}
        {state.error && !state.field && <span className="text-bad">{state.error}</span>}
      </p>
    </section>
  );
}
