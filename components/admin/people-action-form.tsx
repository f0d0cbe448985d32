"use client";

import { useActionState, type ReactNode } from "react";
import type { PeopleState } from "@/lib/actions/people";
import { ActionOutcome } from "./action-outcome";
import { confirmFirst } from "./confirm-first";
import { StepUpField } from "./step-up-field";

/**
 * One small merchant form about a person or a session (a role, disabling, ending a session): its
 * hidden fields, its controls, a step-up code field when it is a money action the server asks a
 * code for, and its answer beside it.
 */
export function PeopleActionForm({
  command,
  hidden,
  children,
  stepUp = false,
  codeNeeded = false,
  idPrefix,
  confirm,
}: {
  command: (state: PeopleState, formData: FormData) => Promise<PeopleState>;
  hidden: Record<string, string>;
  children: ReactNode;
  /** A money action: a code field when the page knows none was entered lately, or the server asks. */
  stepUp?: boolean;
  codeNeeded?: boolean;
  idPrefix: string;
  confirm?: string;
}) {
  const [state, action, pending] = useActionState<PeopleState, FormData>(command, { message: null, error: null });
  return (
    <form action={action} className="flex flex-wrap items-end gap-2" onSubmit={confirmFirst(confirm)}>
      {Object.entries(hidden).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {stepUp && <StepUpField needed={Boolean(state.needsCode) || codeNeeded} idPrefix={idPrefix} />}
      <fieldset disabled={pending} className="contents">
        {children}
      </fieldset>
      <ActionOutcome message={state.message} error={state.error} />
    </form>
  );
}
