import Link from "next/link";
import { describedBy, Field } from "../field";

/**
 * The second factor a money action asks for, in place (issue 30): a code field inside the same
 * form, so nothing typed is lost. Shown when the server said it is needed (`needed`), or up
 * front when the page knows the last code is older than five minutes.
 */
export function StepUpField({ needed, idPrefix }: { needed: boolean; idPrefix: string }) {
  if (!needed) return null;
  const id = `${idPrefix}-step-up`;
  const hint = "Money actions need a second factor entered in the last five minutes (a recovery code works too).";
  return (
    <Field id={id} label="Code from your authenticator app" hint={hint} className="sm:col-span-2">
      <input
        id={id}
        name="stepUpCode"
        inputMode="numeric"
        autoComplete="one-time-code"
        spellCheck={false}
        className="mt-1 w-40 rounded-md border border-paper-line px-2 py-1.5 font-mono tabular-nums"
        aria-describedby={describedBy(id, null, hint)}
      />
    </Field>
  );
}

/** Shown instead of a money button to an owner or manager without a second factor: where to set one up. */
export function EnrolFirst() {
  return (
    <p className="text-sm" data-testid="enrol-first">
      Money leaves the shop only after a second factor.{" "}
      <Link href="/admin/security" className="font-medium underline">
        Set up an authenticator app
      </Link>{" "}
      first (it takes a minute).
    </p>
  );
}
