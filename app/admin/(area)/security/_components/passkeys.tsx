"use client";

import { startRegistration } from "@simplewebauthn/browser";
import { useActionState, useState } from "react";
import { passkeyProblem } from "@/components/admin/passkey-button";
import { StepUpField } from "@/components/admin/step-up-field";
import { addPasskeyAction, passkeyRegistrationOptionsAction } from "@/lib/actions/passkeys";
import type { PeopleState } from "@/lib/actions/people";

/**
 * Adding a passkey: a name, then the browser's own prompt makes it (this device, a phone, a
 * security key), and the server keeps it. With a second factor already on, a fresh one is asked
 * in place first (step-up), as for money actions.
 */
async function makeAndAdd(state: PeopleState, data: FormData): Promise<PeopleState> {
  try {
    // The step-up fields go with the request for options: a stale second factor is asked for
    // before the device makes anything.
    const made = await passkeyRegistrationOptionsAction(null, data);
    if (!made.options) return { message: null, error: made.error ?? "Please try again.", needsCode: made.needsCode ?? state.needsCode };
    data.set("answer", JSON.stringify(await startRegistration({ optionsJSON: made.options })));
  } catch (error) {
    return { message: null, error: passkeyProblem(error), needsCode: state.needsCode };
  }
  return addPasskeyAction(state, data);
}

export function AddPasskey({ codeNeeded }: { codeNeeded: boolean }) {
  const [state, action, pending] = useActionState<PeopleState, FormData>(makeAndAdd, { message: null, error: null });
  // Controlled: a step-up asked in place keeps the name typed; an added passkey clears it.
  const [name, setName] = useState("");
  const [answered, setAnswered] = useState(state);
  if (state !== answered) {
    setAnswered(state);
    if (state.message) setName("");
  }
  return (
    <form action={action} className="flex flex-wrap items-end gap-3">
      <div>
        <label htmlFor="passkey-name" className="block text-sm font-medium">
          Name of the new passkey
        </label>
        <input id="passkey-name" name="name" value={name} onChange={(event) => setName(event.target.value)} maxLength={60} placeholder="Work laptop" className="mt-1 w-56 rounded-md border border-paper-line px-2 py-1.5" />
      </div>
      <StepUpField needed={Boolean(state.needsCode) || codeNeeded} idPrefix="passkey-add" />
      <button type="submit" disabled={pending} className="rounded-md bg-ink px-4 py-2 font-medium text-white disabled:opacity-70">
        {pending ? "Waiting for your passkey…" : "Add a passkey"}
      </button>
      <span role="status" aria-live="polite" className="text-sm">
        {state.message}
        {state.error && <span className="text-bad">{state.error}</span>}
      </span>
    </form>
  );
}
