"use client";

import { startAuthentication, type PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/browser";
import { useState } from "react";

/** What a person is told when the browser's passkey prompt did not give an answer. */
export function passkeyProblem(error: unknown): string {
  const name = error instanceof Error ? error.name : "";
  if (name === "NotAllowedError") return "No passkey was used: the prompt was closed or timed out.";
  if (name === "InvalidStateError") return "This passkey is registered here already.";
  return "This browser could not use a passkey here.";
}

/**
 * Signs a challenge with one of the person's passkeys (the browser's own prompt) and hands the
 * answer, as JSON, to `onAnswer`. `options` gives the challenge, or why there is none.
 */
export function PasskeyButton({ options, onAnswer, label }: { options: () => Promise<PublicKeyCredentialRequestOptionsJSON | string>; onAnswer: (answer: string) => void; label: string }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  async function sign() {
    setBusy(true);
    setProblem(null);
    try {
      const given = await options();
      if (typeof given === "string") setProblem(given);
      else onAnswer(JSON.stringify(await startAuthentication({ optionsJSON: given })));
    } catch (error) {
      setProblem(passkeyProblem(error));
    } finally {
      setBusy(false);
    }
  }
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <button type="button" onClick={sign} disabled={busy} className="rounded-md border border-ink px-3 py-1.5 text-sm font-medium disabled:opacity-70">
        {busy ? "Waiting for your passkey…" : label}
      </button>
      {problem && <span className="text-sm text-bad">{problem}</span>}
    </span>
  );
}
