/** Counts and times as people read them. */

/** "1 order", "25 orders"; irregular words pass their plural ("1 delivery", "2 deliveries"). */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** An instant for the merchant, to the minute and saying its zone: "2026-11-29 22:41 UTC". */
export function formatUtc(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** A link's query from a page's filter: "?state=PAID&q=ada", the empty values left out; "" when none is left. */
export function queryString(values: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : "";
}
