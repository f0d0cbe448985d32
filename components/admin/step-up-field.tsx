"use client";

import Link from "next/link";
import { createContext, useContext, useState, type ReactNode } from "react";
import { useFormStatus } from "react-dom";
import { passkeyStepUpOptionsAction } from "@/lib/actions/passkeys";
import type { SecondFactorMethods } from "@/lib/rules/roles";
import { Field } from "../field";
import { PasskeyButton } from "./passkey-button";

/** The signed-in person's second factors (the merchant area's layout provides them to every form). */
const Methods = createContext<SecondFactorMethods>({ app: true, passkey: false });

export function SecondFactorMethodsProvider({ methods, children }: { methods: SecondFactorMethods; children: ReactNode }) {
  return <Methods value={methods}>{children}</Methods>;
}

async function stepUpChallenge() {
  const answer = await passkeyStepUpOptionsAction(null, new FormData());
  return answer.options ?? answer.error ?? "Please try again.";
}

/**
 * The second factor a money action asks for, in place (issue 30), inside the same form, so nothing
 * typed is lost: a code field (authenticator app or recovery code) and, for a person with
 * passkeys, "Use a passkey", whose answer the form then carries (once: a sent answer is spent).
 * Shown when the server said it is needed (`needed`), or up front when the page knows the last
 * second factor is older than five minutes.
 */
export function StepUpField({ needed, idPrefix }: { needed: boolean; idPrefix: string }) {
  const methods = useContext(Methods);
  const [answer, setAnswer] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const { pending } = useFormStatus();
  // Once the form that carried the answer has been answered, the answer is spent.
  if (pending && answer !== null && !sent) setSent(true);
  if (!pending && sent) {
    setSent(false);
    setAnswer(null);
  }
  if (!needed) return null;
  const code = methods.app || !methods.passkey;
  return (
    <div className="space-y-2 sm:col-span-2">
      {code && (
        <Field id={`${idPrefix}-step-up`} label="Code from your authenticator app">
          <input
            id={`${idPrefix}-step-up`}
            name="stepUpCode"
            inputMode="numeric"
            autoComplete="one-time-code"
            spellCheck={false}
            className="mt-1 w-40 rounded-md border border-paper-line px-2 py-1.5 font-mono tabular-nums"
            aria-describedby={`${idPrefix}-step-up-hint`}
          />
        </Field>
      )}
      {methods.passkey && (
        <div>
          <input type="hidden" name="stepUpPasskey" value={answer ?? ""} />
          {answer ? (
            <p className="text-sm font-medium" data-testid="passkey-ready">
              Passkey confirmed: now press the button.
            </p>
          ) : (
            <PasskeyButton options={stepUpChallenge} onAnswer={setAnswer} label={code ? "Or use a passkey" : "Confirm with a passkey"} />
          )}
        </div>
      )}
      <p id={`${idPrefix}-step-up-hint`} className="text-xs text-ink-muted">
        Money actions need a second factor entered in the last five minutes{code ? " (a recovery code works too)" : ""}.
      </p>
    </div>
  );
}

/** Shown instead of a money button to an owner or manager without a second factor: where to set one up. */
export function EnrolFirst() {
  return (
    <p className="text-sm" data-testid="enrol-first">
      Money leaves the shop only after a second factor.{" "}
      <Link href="/admin/security" className="font-medium underline">
        Set up an authenticator app or a passkey
      </Link>{" "}
      first (it takes a minute).
    </p>
  );
}
