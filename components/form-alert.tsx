/** What went wrong with a form as a whole, read out at once; nothing while all is well. */
export function FormAlert({ error, className = "text-sm text-bad" }: { error: string | null | undefined; className?: string }) {
  if (!error) return null;
  return (
    <p role="alert" className={className}>
      {error}
    </p>
  );
}
