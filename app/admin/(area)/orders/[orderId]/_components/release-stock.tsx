"use client";

import { useActionState } from "react";
import { releaseStockAction, type ReleaseStockState } from "@/lib/actions/admin";

/** Puts an unpaid order's stock back on sale while its payment is open (issue 29.2); the order stays payable. */
export function ReleaseStockButton({ orderId }: { orderId: string }) {
  const [state, action, pending] = useActionState<ReleaseStockState, FormData>(releaseStockAction, { message: null, error: null });
  return (
    <form action={action} className="space-y-2">
      <input type="hidden" name="orderId" value={orderId} />
      <button type="submit" disabled={pending} className="rounded-md border border-ink px-4 py-2 font-medium disabled:opacity-70">
        {pending ? "Releasing…" : "Release its stock"}
      </button>
      <p aria-live="polite" className="text-sm" data-testid="release-stock-status">
        {state.message && <span>{state.message}</span>}
        {state.error && <span className="text-bad">{state.error}</span>}
      </p>
    </form>
  );
}
