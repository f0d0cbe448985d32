import type { FormEvent } from "react";

/** A form's `onSubmit` that asks `question` first and sends nothing unless the person agrees; no question: it just sends. */
export function confirmFirst(question: string | undefined) {
  return (event: FormEvent<HTMLFormElement>) => {
    if (question && !window.confirm(question)) event.preventDefault();
  };
}
