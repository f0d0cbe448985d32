"use client";

import { useActionState } from "react";
import { resolveAttentionAction, type ResolveState } from "@/lib/actions/admin";
import { FormAlert } from "@/components/form-alert";

export function ResolveForm({ id, label }: { id: number; label: string }) {
  const [state, action, pending] = useActionState<ResolveState, FormData>(resolveAttentionAction, { error: null });
  const inputId = `note-${id}`;
  return (
    <form action={action} className="flex flex-wrap items-end gap-2">
      <input type="hidden" name="id" value={id} />
      <div className="min-w-64 flex-1">
        <label htmlFor={inputId} className="block text-xs font-medium text-ink-muted">
          Note for {label}
        </label>
        <input id={inputId} name="note" required maxLength={1000} placeholder="What you did, e.g. refunded the surplus" className="mt-1 w-full rounded-md border border-paper-line px-2 py-1.5 text-sm" />
      </div>
      <button type="submit" disabled={pending} className="rounded-md border border-paper-line bg-paper px-3 py-1.5 text-sm font-medium hover:bg-paper-subtle disabled:opacity-70">
        Mark resolved<span className="sr-only"> for {label}</span>
      </button>
      <FormAlert error={state.error} className="w-full text-sm text-bad" />
    </form>
  );
}
