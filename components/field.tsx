import type { ReactNode } from "react";
import { FieldError } from "./field-error";

/**
 * A form control under its label, with its hint and what is wrong with it below: `id` is the
 * control's own (the label points at it; give the control `aria-describedby={describedBy(id, error,
 * hint)}`). `className` is the wrapper's: a grid column, spacing.
 */
export function Field({ id, label, error, hint, className, children }: { id: string; label: ReactNode; error?: string | null; hint?: string; className?: string; children: ReactNode }) {
  return (
    <div className={className}>
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      {children}
      {hint && (
        <p id={`${id}-hint`} className="mt-1 text-xs text-ink-muted">
          {hint}
        </p>
      )}
      <FieldError id={id} error={error} />
    </div>
  );
}

/** The `aria-describedby` of a Field's control: its error line, its hint, or nothing. */
export function describedBy(id: string, error?: string | null, hint?: string): string | undefined {
  return [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(" ") || undefined;
}

/** A select's options: each value, shown as its label (or as itself). */
export function Options<T extends string>({ values, labels }: { values: readonly T[]; labels?: Readonly<Record<T, string>> }) {
  return values.map((value) => (
    <option key={value} value={value}>
      {labels ? labels[value] : value}
    </option>
  ));
}
