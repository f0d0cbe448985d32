"use client";

import Link from "next/link";
import { useActionState } from "react";
import { setPasswordWithTokenAction, type PasswordState } from "@/lib/actions/people";
import { Field } from "@/components/field";
import { FormAlert } from "@/components/form-alert";

/** The mailed link's page: choose a password (accepting an invitation, or a reset). */
export function SetPasswordForm({ token, kind }: { token: string; kind: "invite" | "reset" }) {
  const [state, action, pending] = useActionState<PasswordState, FormData>(setPasswordWithTokenAction, { error: null });
  if (state.done) {
    return (
      <p role="status" className="mt-6">
        Your password is set.{" "}
        <Link href="/admin/sign-in" className="font-medium underline">
          Sign in
        </Link>
        .
      </p>
    );
  }
  return (
    <form action={action} className="mt-6 space-y-4 rounded-xl border border-paper-line bg-paper p-6">
      <input type="hidden" name="token" value={token} />
      <input type="hidden" name="kind" value={kind} />
      <Field id="new-password" label="New password">
        <input id="new-password" name="password" type="password" autoComplete="new-password" required className="mt-1 w-full rounded-md border border-paper-line px-3 py-2" />
      </Field>
      <Field id="repeat-password" label="The same again">
        <input id="repeat-password" name="repeat" type="password" autoComplete="new-password" required className="mt-1 w-full rounded-md border border-paper-line px-3 py-2" />
      </Field>
      <FormAlert error={state.error} />
      <button type="submit" disabled={pending} className="w-full rounded-md bg-brand-600 px-4 py-2.5 font-semibold text-white disabled:opacity-70">
        Set my password
      </button>
    </form>
  );
}
