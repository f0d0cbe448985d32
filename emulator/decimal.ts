/**
 * Exact non-negative decimals for payouts (crypto amounts, prices, USD values): a bigint of units
 * and a scale, value = units / 10^scale. Read from text digit by digit, never through a float.
 */

export interface Decimal {
  units: bigint;
  scale: number;
}

const PLAIN_DECIMAL = /^(\d{1,30})(?:\.(\d{1,30}))?$/;

/** "12.50" -> {1250n, 2}. Null for anything but a plain non-negative decimal (no sign, no exponent). */
export function parseDecimal(text: string): Decimal | null {
  const match = PLAIN_DECIMAL.exec(text);
  if (!match) return null;
  const fraction = match[2] ?? "";
  return { units: BigInt(`${match[1] ?? "0"}${fraction}`), scale: fraction.length };
}

/** The same value at a larger scale (exact). */
function widen(value: Decimal, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

export function compareDecimal(a: Decimal, b: Decimal): -1 | 0 | 1 {
  const scale = Math.max(a.scale, b.scale);
  const left = widen(a, scale);
  const right = widen(b, scale);
  return left < right ? -1 : left > right ? 1 : 0;
}

export function addDecimal(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  return { units: widen(a, scale) + widen(b, scale), scale };
}

export function multiplyDecimal(a: Decimal, b: Decimal): Decimal {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

/** Rounded half-up to `scale` decimals (exact when widening). */
export function roundDecimal(value: Decimal, scale: number): Decimal {
  if (scale >= value.scale) return { units: widen(value, scale), scale };
  const divisor = 10n ** BigInt(value.scale - scale);
  const quotient = value.units / divisor;
  const remainder = value.units % divisor;
  return { units: remainder * 2n >= divisor ? quotient + 1n : quotient, scale };
}

/** {1250n, 2} -> "12.50"; every decimal of the scale is written. */
export function formatDecimal(value: Decimal): string {
  const text = value.units.toString().padStart(value.scale + 1, "0");
  return value.scale === 0 ? text : `${text.slice(0, -value.scale)}.${text.slice(-value.scale)}`;
}

export const ZERO: Decimal = { units: 0n, scale: 0 };
