"use client";

import { useActionState } from "react";
import { cancelOrderAction, type CancelOrderState } from "@/lib/actions/admin";
import { ActionOutcome } from "@/components/admin/action-outcome";
import { confirmFirst } from "@/components/admin/confirm-first";
import { StepUpField } from "@/components/admin/step-up-field";

/** Cancels an order with no payment open at PayRam (the server decides and says why not); a paid one becomes refundable. */
export function CancelOrderButton({ orderId, paid, codeNeeded }: { orderId: string; paid: boolean; /** A paid order's cancel is a money action: a code unless one was entered in the last five minutes. */ codeNeeded: boolean }) {
  const [state, action, pending] = useActionState<CancelOrderState, FormData>(cancelOrderAction, { message: null, error: null });
  return (
    <form
      action={action}
      className="space-y-2"
      onSubmit={confirmFirst(
        paid
          ? "Cancel this paid order? It will not be fulfilled, its stock goes back on sale, and what it received becomes refundable."
          : "Cancel this order? It can no longer be paid, and its stock goes back on sale.",
      )}
    >
      <input type="hidden" name="orderId" value={orderId} />
      {paid && <StepUpField needed={Boolean(state.needsCode) || codeNeeded} idPrefix="cancel" />}
      <button type="submit" disabled={pending} className="rounded-md border border-bad px-4 py-2 font-medium text-bad disabled:opacity-70">
        {pending ? "Cancelling…" : "Cancel order"}
      </button>
      {/* A live region, not a second "status" on the page: the sync button's answer is the order page's status. */}
      <ActionOutcome message={state.message} error={state.error} role={null} testId="cancel-status" />
    </form>
  );
}
