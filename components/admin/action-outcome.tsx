/**
 * What a merchant's action answered, beside its form and read out when it changes: its message,
 * and its error in red. `role={null}` keeps it a live region only, where the page already has its
 * one status.
 */
export function ActionOutcome({
  message,
  error,
  className = "text-sm",
  role = "status",
  testId,
}: {
  message: string | null | undefined;
  error: string | null | undefined;
  className?: string;
  role?: "status" | null;
  testId?: string;
}) {
  return (
    <p role={role ?? undefined} aria-live="polite" className={className} data-testid={testId}>
      {message && <span>{message}</span>}
      {error && <span className="text-bad">{error}</span>}
    </p>
  );
}
