"use client";

import { useActionState } from "react";
import { syncNowAction, type SyncNowState } from "@/lib/actions/admin";

export function SyncNowButton({ orderId }: { orderId: string }) {
  const [state, action, pending] = useActionState<SyncNowState, FormData>(syncNowAction, { message: null, error: null });
  return (
    <form action={action} className="space-y-2">
      <input type="hidden" name="orderId" value={orderId} />
      <button type="submit" disabled={pending} className="rounded-md bg-ink px-4 py-2 font-medium text-white disabled:opacity-70">
        {pending ? "Asking PayRam…" : "Sync with PayRam now"}
      </button>
      <p role="status" aria-live="polite" className="text-sm">
        {state.message && <span>{state.message}</span>}
        {state.error && <span className="text-bad">{state.error}</span>}
      </p>
    </form>
  );
}
