"use client";

import { useActionState } from "react";
import { StepUpField } from "@/components/admin/step-up-field";
import { beginTotpAction, confirmTotpAction, type TotpState } from "@/lib/actions/people";

/**
 * Setting up an authenticator app: the secret (to type or paste), a first code, then the recovery
 * codes once. With a second factor on already, moving to a new app asks for a fresh one first.
 */
export function SecondFactorSetup({ enrolled, codeNeeded }: { enrolled: boolean; codeNeeded: boolean }) {
  const [started, begin, starting] = useActionState<TotpState, FormData>(beginTotpAction, { error: null });
  const [confirmed, confirm, confirming] = useActionState<TotpState, FormData>(confirmTotpAction, { error: null });
  if (confirmed.recoveryCodes) {
    return (
      <div className="space-y-3" data-testid="recovery-codes">
        <p className="font-medium">Your second factor is on. Keep these 10 recovery codes somewhere safe: each works once, if you lose your phone. They are not shown again.</p>
        <ul className="grid grid-cols-2 gap-1 font-mono text-sm sm:grid-cols-5">
          {confirmed.recoveryCodes.map((code) => (
            <li key={code}>{code}</li>
          ))}
        </ul>
      </div>
    );
  }
  if (!started.secret) {
    return (
      <form action={begin} className="space-y-2">
        <StepUpField needed={Boolean(started.needsCode) || codeNeeded} idPrefix="totp-move" />
        <button type="submit" disabled={starting} className="rounded-md bg-ink px-4 py-2 font-medium text-white disabled:opacity-70">
          {enrolled ? "Move to a new authenticator app" : "Set up an authenticator app"}
        </button>
        {started.error && <p className="text-sm text-bad">{started.error}</p>}
      </form>
    );
  }
  return (
    <form action={confirm} className="space-y-3">
      <p className="text-sm">
        In your authenticator app, add an account with this key (or open the <a href={started.uri} className="underline">otpauth link</a> on this device):
      </p>
      <p className="break-all font-mono text-lg" data-testid="totp-secret">
        {started.secret}
      </p>
      <div>
        <label htmlFor="totp-code" className="block text-sm font-medium">
          The 6-digit code it shows
        </label>
        <input id="totp-code" name="code" inputMode="numeric" autoComplete="one-time-code" className="mt-1 w-40 rounded-md border border-paper-line px-2 py-1.5 font-mono" />
      </div>
      <button type="submit" disabled={confirming} className="rounded-md bg-ink px-4 py-2 font-medium text-white disabled:opacity-70">
        Turn on
      </button>
      {confirmed.error && (
        <p role="alert" className="text-sm text-bad">
          {confirmed.error}
        </p>
      )}
    </form>
  );
}
