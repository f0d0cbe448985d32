"use client";

import { useRouter } from "next/navigation";
import { useActionState, useEffect, useRef } from "react";
import { payAgainAction, type PayAgainState } from "@/lib/actions/order";
import { formatDecimalUsd as usd } from "@/lib/rules/money";
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
  const copy = describeForShopper(view);
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
        {view.confirming && (
          <p className="text-sm font-medium" data-testid="confirming">
            Payment seen — confirming ({view.confirming.current} of {view.confirming.required})
          </p>
        )}
        {stillChecking && <p className="text-sm text-warn">We are still checking with PayRam; what you see is the last state we know.</p>}
      </div>

      <dl className="grid grid-cols-3 gap-4 text-sm">
        <Amount label="Total" value={view.dueUsd} testId="amount-due" />
        <Amount label="Received" value={view.receivedUsd} testId="amount-received" />
        <Amount label="Still to pay" value={view.remainingUsd} testId="amount-remaining" />
      </dl>

      {downloads && view.paid && !view.cancelledByShop && (
        // Not a prefetching <Link>: the page signs fresh links on each visit.
        <a href={`/orders/${orderId}/downloads`} className="inline-block rounded-md bg-brand-600 px-5 py-2.5 font-semibold text-white hover:bg-brand-700" data-testid="downloads-link">
          Your downloads
        </a>
      )}

      {view.paymentUrl && (
        <a href={view.paymentUrl} className="inline-block rounded-md bg-brand-600 px-5 py-2.5 font-semibold text-white hover:bg-brand-700">
          Continue to payment
        </a>
      )}

      {view.depositAddress && view.paymentUrl && <DepositAddress orderId={orderId} view={view} />}

      {view.payAgain && (
        <form action={payAgainForm} className="space-y-2">
          <input type="hidden" name="orderId" value={orderId} />
          <button type="submit" disabled={paying} className="rounded-md bg-brand-600 px-5 py-2.5 font-semibold text-white hover:bg-brand-700 disabled:opacity-70">
            {paying ? "Opening PayRam…" : view.payAgain.kind === "remaining" ? `Pay the remaining ${usd(view.payAgain.amountUsd)}` : "Pay again"}
          </button>
          {payAgain.error && (
            <p role="alert" className="text-sm text-bad">
              {payAgain.error}
            </p>
          )}
        </form>
      )}

      <div className="flex items-center gap-3 text-sm text-ink-muted">
        <button type="button" onClick={() => void mutate()} disabled={isValidating} className="rounded-md border border-paper-line bg-paper px-3 py-1.5 font-medium text-ink hover:bg-paper-subtle disabled:opacity-60">
          {isValidating ? "Checking…" : "Check again"}
        </button>
        <span>Last change: {new Date(view.updatedAt).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" })}</span>
      </div>
    </section>
  );
}

function Amount({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div>
      <dt className="text-ink-muted">{label}</dt>
      <dd className="text-lg font-semibold tabular-nums" data-testid={testId}>
        {usd(value)}
      </dd>
    </div>
  );
}

function DepositAddress({ orderId, view }: { orderId: string; view: OrderStatusView }) {
  return (
    <div className="flex flex-col gap-4 rounded-lg border border-paper-line bg-paper p-4 sm:flex-row sm:items-center">
      {/* eslint-disable-next-line @next/next/no-img-element -- a small SVG our own API draws */}
      <img src={`/api/orders/${orderId}/deposit-qr?address=${encodeURIComponent(view.depositAddress!)}`} alt="QR code of the deposit address" width={128} height={128} className="h-32 w-32" />
      <div className="min-w-0 flex-1 space-y-2">
        <label htmlFor="deposit-address" className="block text-sm font-medium">
          Deposit address{view.currency ? ` (${view.currency})` : ""}
        </label>
        <div className="flex gap-2">
          <input id="deposit-address" readOnly value={view.depositAddress!} className="min-w-0 flex-1 rounded-md border border-paper-line px-3 py-2 font-mono text-sm" />
          <button type="button" onClick={() => void navigator.clipboard?.writeText(view.depositAddress!)} className="rounded-md border border-paper-line px-3 py-2 text-sm font-medium hover:bg-paper-subtle">
            Copy
          </button>
        </div>
        <p className="text-sm text-ink-muted">Send {usd(view.remainingUsd)} worth of {view.currency ?? "the chosen asset"} to this address.</p>
      </div>
    </div>
  );
}
