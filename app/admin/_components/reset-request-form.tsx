"use client";

import { useActionState } from "react";
import { requestPasswordResetAction, type PasswordState } from "@/lib/actions/people";
import { Field } from "@/components/field";
import { FormAlert } from "@/components/form-alert";

export function ResetRequestForm() {
  const [state, action, pending] = useActionState<PasswordState, FormData>(requestPasswordResetAction, { error: null });
  return (
    <form action={action} className="mt-6 space-y-4 rounded-xl border border-paper-line bg-paper p-6">
      <Field id="reset-email" label="Email">
        <input id="reset-email" name="email" type="email" autoComplete="username" required className="mt-1 w-full rounded-md border border-paper-line px-3 py-2" />
      </Field>
      <FormAlert error={state.error} />
      {state.message && <p role="status">{state.message}</p>}
      <button type="submit" disabled={pending} className="w-full rounded-md bg-brand-600 px-4 py-2.5 font-semibold text-white disabled:opacity-70">
        Mail me a link
      </button>
    </form>
  );
}
