"use client";

import { useActionState } from "react";
import type { OrderCommandState } from "@/lib/actions/admin";

/** One merchant command on the order (a server action), its answer beside the button. */
export function OrderCommandButton({
  orderId,
  command,
  label,
  pendingLabel,
  primary = false,
  announce = false,
  testId,
}: {
  orderId: string;
  command: (state: OrderCommandState, formData: FormData) => Promise<OrderCommandState>;
  label: string;
  pendingLabel: string;
  /** The page's main command: a filled button. */
  primary?: boolean;
  /** The answer is the page's status (role="status"); other commands' answers are only polite. */
  announce?: boolean;
  testId?: string;
}) {
  const [state, action, pending] = useActionState<OrderCommandState, FormData>(command, { message: null, error: null });
  return (
    <form action={action} className="space-y-2">
      <input type="hidden" name="orderId" value={orderId} />
      <button
        type="submit"
        disabled={pending}
        className={primary ? "rounded-md bg-ink px-4 py-2 font-medium text-white disabled:opacity-70" : "rounded-md border border-ink px-4 py-2 font-medium disabled:opacity-70"}
      >
        {pending ? pendingLabel : label}
      </button>
      <p role={announce ? "status" : undefined} aria-live="polite" className="text-sm" data-testid={testId}>
        {state.message && <span>{state.message}</span>}
        {state.error && <span className="text-bad">{state.error}</span>}
      </p>
    </form>
  );
}
