/** The line under a form field that says what is wrong with it: the field's `aria-describedby` names `${id}-error`. */
export function FieldError({ id, error }: { id: string; error: string | null | undefined }) {
  if (!error) return null;
  return (
    <p id={`${id}-error`} className="mt-1 text-sm text-bad">
      {error}
    </p>
  );
}
