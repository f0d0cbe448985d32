"use client";

import { useActionState } from "react";
import { decideRefundRequestAction, endRefundAction, refundAction, retryRefundAction, type RefundState } from "@/lib/actions/refunds";
import { EnrolFirst, StepUpField } from "@/components/admin/step-up-field";
import { ActionOutcome } from "@/components/admin/action-outcome";
import { describedBy, Field } from "@/components/field";
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

export interface RefundRequestRow {
  id: string;
  amountUsd: string;
  token: string;
  network: string;
  address: string;
  requestedBy: string;
}

/** What this person may do with money here (lib/rules/roles.ts), and whether a code is needed now. */
export interface MoneyPowers {
  /** Owner or manager: sends and approves; staff only requests. */
  canSend: boolean;
  /** Has a second factor to step up with. */
  enrolled: boolean;
  /** A code was entered in the last five minutes. */
  fresh: boolean;
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
      <ActionOutcome message={state.message} error={state.error} className="text-xs" />
    </form>
  );
}

/** A staff member's request, waiting: an owner or manager approves (with a code) or declines it. */
function WaitingRequest({ request, money }: { request: RefundRequestRow; money: MoneyPowers }) {
  const [state, action, pending] = useActionState<RefundState, FormData>(decideRefundRequestAction, { message: null, error: null, field: null });
  return (
    <li data-testid="refund-request" className="space-y-1">
      <p>
        <span className="font-medium tabular-nums">${request.amountUsd}</span> as {request.token} on {request.network} to <code className="break-all">{request.address}</code>, requested by {request.requestedBy}:
        waiting for approval.
      </p>
      {money.canSend &&
        (money.enrolled ? (
          <form action={action} className="flex flex-wrap items-end gap-2">
            <input type="hidden" name="requestId" value={request.id} />
            <StepUpField needed={Boolean(state.needsCode) || !money.fresh} idPrefix={`request-${request.id}`} />
            <button type="submit" name="decision" value="approved" disabled={pending} className="rounded-md bg-ink px-3 py-1.5 text-sm font-medium text-white disabled:opacity-70">
              Approve and send
            </button>
            <button type="submit" name="decision" value="declined" disabled={pending} className="rounded-md border border-paper-line px-3 py-1.5 text-sm font-medium disabled:opacity-70">
              Decline
            </button>
            <ActionOutcome message={state.message} error={state.error} />
          </form>
        ) : (
          <EnrolFirst />
        ))}
    </li>
  );
}

/** The order's refunds (paid out through PayRam) and, while something is refundable, the form for a new one. */
export function Refunds({
  orderId,
  refunds,
  refundableUsd,
  formToken,
  shopperAddress = null,
  requests = [],
  money,
}: {
  orderId: string;
  refunds: RefundRow[];
  requests?: RefundRequestRow[];
  money: MoneyPowers;
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
              {money.canSend && IN_FLIGHT.has(refund.status) && <AskAgain refundId={refund.id} label={refund.status === "requesting" ? "Ask PayRam again" : "Check with PayRam"} />}
              {/* Ends it only once PayRam's payout list shows no payout (checked on the server); the amount is then refundable again. */}
              {money.canSend && refund.status === "requesting" && <AskAgain refundId={refund.id} label="End this refund" end />}
            </li>
          ))}
        </ul>
      )}
      {requests.length > 0 && (
        <ul className="space-y-3 text-sm" data-testid="refund-requests">
          {requests.map((request) => (
            <WaitingRequest key={request.id} request={request} money={money} />
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
      {refundableUsd !== "0.00" && money.canSend && !money.enrolled && <EnrolFirst />}
      {refundableUsd !== "0.00" && (money.enrolled || !money.canSend) && (
        <form action={action} key={formKey} className="grid gap-3 sm:grid-cols-2" noValidate>
          <input type="hidden" name="orderId" value={orderId} />
          <input type="hidden" name="formToken" value={formToken} />
          <PayoutAssetFields idPrefix="refund" values={values} tokenError={error("token")} />
          <Field id="refund-address" label="Shopper's wallet address" error={error("address")} className="sm:col-span-2">
            <input id="refund-address" name="address" defaultValue={values?.address ?? ""} autoComplete="off" spellCheck={false} className="mt-1 w-full rounded-md border border-paper-line px-2 py-1.5 font-mono text-sm" aria-invalid={error("address") ? true : undefined} aria-describedby={describedBy("refund-address", error("address"))} />
          </Field>
          <Field id="refund-amount" label="Amount (USD)" error={error("amount")}>
            <input id="refund-amount" name="amount" inputMode="decimal" defaultValue={values?.amount ?? refundableUsd} className="mt-1 w-full rounded-md border border-paper-line px-2 py-1.5 tabular-nums" aria-invalid={error("amount") ? true : undefined} aria-describedby={describedBy("refund-amount", error("amount"))} />
          </Field>
          {money.canSend && <StepUpField needed={Boolean(state.needsCode) || !money.fresh} idPrefix="refund" />}
          <div className="flex items-end">
            <button type="submit" disabled={pending} className="rounded-md bg-ink px-4 py-2 font-medium text-white disabled:opacity-70">
              {money.canSend ? (pending ? "Asking PayRam…" : "Refund through PayRam") : pending ? "Requesting…" : "Request this refund (needs approval)"}
            </button>
          </div>
        </form>
      )}
      {/* Outside the form: a refund that takes all that was refundable hides the form, not its answer. */}
      <ActionOutcome message={state.message} error={state.field ? null : state.error} testId="refund-status" />
    </section>
  );
}
