"use client";

import Link from "next/link";
import { startTransition, useActionState, useRef, useState } from "react";
import { PasskeyButton } from "@/components/admin/passkey-button";
import { signInAction, type SignInState } from "@/lib/actions/admin";

/**
 * Email and password; then, for a person with a second factor, the code or a passkey (the email
 * and password stay in their fields: they are controlled, so the action's form reset keeps them;
 * a passkey's answer is sent with them, to the challenge the server's answer carried).
 */
export function SignInForm({ next }: { next: string }) {
  const [state, action, pending] = useActionState<SignInState, FormData>(signInAction, { error: null });
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const form = useRef<HTMLFormElement>(null);
  const passkey = state.secondStep?.passkey;
  const withPasskey = (answer: string) => {
    const data = new FormData(form.current!);
    data.delete("code");
    data.set("passkey", answer);
    startTransition(() => action(data));
  };
  return (
    <form ref={form} action={action} className="mt-6 space-y-4 rounded-xl border border-paper-line bg-paper p-6">
      <input type="hidden" name="next" value={next} />
      <div>
        <label htmlFor="email" className="block text-sm font-medium">
          Email
        </label>
        <input id="email" name="email" type="email" autoComplete="username" required value={email} onChange={(event) => setEmail(event.target.value)} className="mt-1 w-full rounded-md border border-paper-line px-3 py-2" />
      </div>
      <div>
        <label htmlFor="password" className="block text-sm font-medium">
          Password
        </label>
        <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(event) => setPassword(event.target.value)} className="mt-1 w-full rounded-md border border-paper-line px-3 py-2" />
      </div>
      {state.secondStep?.app && (
        <div>
          <label htmlFor="code" className="block text-sm font-medium">
            Code from your authenticator app
          </label>
          <input id="code" name="code" inputMode="numeric" autoComplete="one-time-code" autoFocus spellCheck={false} className="mt-1 w-full rounded-md border border-paper-line px-3 py-2 font-mono" aria-describedby="code-help" />
          <p id="code-help" className="mt-1 text-xs text-ink-muted">
            Lost your phone? Type one of your recovery codes instead.
          </p>
        </div>
      )}
      {passkey && <PasskeyButton options={async () => passkey} onAnswer={withPasskey} label={state.secondStep?.app ? "Or use a passkey" : "Use a passkey"} />}
      {state.error && (
        <p role="alert" className="text-sm text-bad">
          {state.error}
        </p>
      )}
      <button type="submit" disabled={pending} className="w-full rounded-md bg-brand-600 px-4 py-2.5 font-semibold text-white hover:bg-brand-700 disabled:opacity-70">
        {pending ? "Signing in…" : "Sign in"}
      </button>
      <p className="text-center text-sm">
        <Link href="/admin/reset" className="underline">
          Forgot your password?
        </Link>
      </p>
    </form>
  );
}
