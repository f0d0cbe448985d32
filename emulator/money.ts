/**
 * Exact money for the emulator. USD amounts are integer cents; crypto amounts are bigint base
 * units (USDC has 6 decimals, 1 USDC = 1 USD). Nothing here touches float arithmetic: numbers are
 * turned into their shortest decimal text (49.99 -> "49.99") and read digit by digit.
 */

export type Cents = number;

const PLAIN_DECIMAL = /^(\d+)(?:\.(\d+))?$/;
/** A ceiling well inside Number.MAX_SAFE_INTEGER: one billion dollars. */
export const MAX_CENTS: Cents = 100_000_000_000;

/**
 * Reads "12.5", "12.50", 12.5 as 1250 cents. Returns null for anything else: negatives, exponents,
 * more than two decimals, empty strings, NaN, amounts above MAX_CENTS.
 */
export function parseUsdCents(input: unknown): Cents | null {
  let text: string;
  if (typeof input === "number") {
    if (!Number.isFinite(input)) return null;
    text = String(input);
  } else if (typeof input === "string") {
    text = input.trim();
  } else {
    return null;
  }
  const match = PLAIN_DECIMAL.exec(text);
  if (!match) return null;
  const whole = match[1] ?? "0";
  const fraction = match[2] ?? "";
  if (fraction.length > 2) return null;
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
  if (!Number.isSafeInteger(cents) || cents > MAX_CENTS) return null;
  return cents;
}

/** 4999 -> "49.99"; 5 -> "0.05". */
export function formatUsd(cents: Cents): string {
  const whole = Math.floor(cents / 100);
  const fraction = String(cents % 100).padStart(2, "0");
  return `${whole}.${fraction}`;
}

/** Converts USD cents to the base units of a 1:1 USD stablecoin with `decimals` decimals (>= 2). */
export function centsToUnits(cents: Cents, decimals: number): bigint {
  return BigInt(cents) * 10n ** BigInt(decimals - 2);
}

/** 49990000n with 6 decimals -> "49.990000". */
export function formatUnits(units: bigint, decimals: number): string {
  const text = units.toString().padStart(decimals + 1, "0");
  if (decimals === 0) return text;
  return `${text.slice(0, -decimals)}.${text.slice(-decimals)}`;
}

/** Half of the remaining amount, rounded down to a cent but at least one cent. */
export function halfOf(cents: Cents): Cents {
  return Math.max(1, Math.floor(cents / 2));
}
