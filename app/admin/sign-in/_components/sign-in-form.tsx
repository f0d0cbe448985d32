"use client";

import Link from "next/link";
import { startTransition, useActionState, useRef, useState } from "react";
import { PasskeyButton } from "@/components/admin/passkey-button";
import { describedBy, Field } from "@/components/field";
import { FormAlert } from "@/components/form-alert";
import { signInAction, type SignInState } from "@/lib/actions/admin";

/**
 * Email and password; then, for a person with a second factor, the code or a passkey (the email
 * and password stay in their fields: they are controlled, so the action's form reset keeps them;
 * a passkey's answer is sent with them, to the challenge the server's answer carried).
 */
const INPUT = "mt-1 w-full rounded-md border border-paper-line px-3 py-2";
const CODE_HINT = "Lost your phone? Type one of your recovery codes instead.";

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
      <Field id="email" label="Email">
        <input id="email" name="email" type="email" autoComplete="username" required value={email} onChange={(event) => setEmail(event.target.value)} className={INPUT} />
      </Field>
      <Field id="password" label="Password">
        <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(event) => setPassword(event.target.value)} className={INPUT} />
      </Field>
      {state.secondStep?.app && (
        <Field id="code" label="Code from your authenticator app" hint={CODE_HINT}>
          <input id="code" name="code" inputMode="numeric" autoComplete="one-time-code" autoFocus spellCheck={false} className={`${INPUT} font-mono`} aria-describedby={describedBy("code", null, CODE_HINT)} />
        </Field>
      )}
      {passkey && <PasskeyButton options={async () => passkey} onAnswer={withPasskey} label={state.secondStep?.app ? "Or use a passkey" : "Use a passkey"} />}
      <FormAlert error={state.error} />
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
