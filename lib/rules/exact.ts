/**
 * Exact USD amounts, as PayRam writes them ("4.995", "9.000000", "82"): a bigint of 10^-18 USD.
 * Sums stay exact; an amount becomes cents once, at the end, and the caller says which way
 * (floorCents: never more than arrived; ceilCents: never less than is missing). Pure: no I/O.
 */
export type Exact = bigint;

const DIGITS = 18;
const UNIT = 10n ** BigInt(DIGITS);
const CENT = UNIT / 100n;
const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * A non-negative decimal (string, or a JSON number whose shortest form is one), exactly; null
 * when missing or not such a decimal. Digits past the 18th decimal are dropped (down: a
 * floor of a floor is still the floor of the amount as written).
 */
export function parseExact(value: unknown): Exact | null {
  if (value === null || value === undefined || value === "") return null;
  const text = typeof value === "number" ? (Number.isFinite(value) ? String(value) : "") : typeof value === "string" ? value : "";
  const match = DECIMAL.exec(text);
  if (!match) return null;
  const fraction = (match[2] ?? "").slice(0, DIGITS).padEnd(DIGITS, "0");
  return BigInt(match[1]!) * UNIT + BigInt(fraction);
}

export const exactFromCents = (cents: number): Exact => BigInt(cents) * CENT;

/** Whole cents at or below the amount. */
export const floorCents = (amount: Exact): number => Number((amount < 0n ? amount - CENT + 1n : amount) / CENT);

/** Whole cents at or above the amount. */
export const ceilCents = (amount: Exact): number => -floorCents(-amount);

/** The amount as a plain decimal, at least two decimals, no trailing zeros past them: "4.995", "9.00". */
export function exactToDecimal(amount: Exact): string {
  const sign = amount < 0n ? "-" : "";
  const digits = (amount < 0n ? -amount : amount).toString().padStart(DIGITS + 1, "0");
  const fraction = digits.slice(-DIGITS).replace(/0+$/, "").padEnd(2, "0");
  return `${sign}${digits.slice(0, -DIGITS)}.${fraction}`;
}

export const sumExact = (amounts: readonly Exact[]): Exact => amounts.reduce((sum, amount) => sum + amount, 0n);
