"use client";

import { useActionState } from "react";
import { invitePersonAction, type PeopleState } from "@/lib/actions/people";
import { ROLE_LABELS, ROLES } from "@/lib/rules/roles";
import { ActionOutcome } from "@/components/admin/action-outcome";
import { Field, Options } from "@/components/field";

export function InviteForm() {
  const [state, action, pending] = useActionState<PeopleState, FormData>(invitePersonAction, { message: null, error: null });
  return (
    <form action={action} className="flex flex-wrap items-end gap-3" key={state.message ?? "invite"}>
      <Field id="invite-email" label="Email">
        <input id="invite-email" name="email" type="email" defaultValue={state.values?.email ?? ""} className="mt-1 w-72 rounded-md border border-paper-line px-2 py-1.5" />
      </Field>
      <Field id="invite-role" label="Role">
        <select id="invite-role" name="role" defaultValue={state.values?.role ?? "staff"} className="mt-1 rounded-md border border-paper-line px-2 py-1.5">
          <Options values={ROLES} labels={ROLE_LABELS} />
        </select>
      </Field>
      <button type="submit" disabled={pending} className="rounded-md bg-ink px-4 py-2 font-medium text-white disabled:opacity-70">
        {pending ? "Inviting…" : "Invite"}
      </button>
      <ActionOutcome message={state.message} error={state.error} className="w-full text-sm" />
    </form>
  );
}
