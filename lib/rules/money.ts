/**
 * Money is integer US cents everywhere inside the shop. PayRam speaks decimal strings
 * ("49.99") on new servers and JSON numbers (49.99) on old ones; both are parsed here,
 * exactly, by reading digits — never by float arithmetic.
 *
 * Accepted: non-negative plain decimals — "82", "49.99", "0.5", "007.10", and the JSON numbers
 * whose shortest form is such a decimal (49.99, 82).
 * Refused with a MoneyError: "" / null / undefined, negatives, "+1", exponents ("1e2"),
 * ".5" / "5.", whitespace, thousands separators, NaN / Infinity, amounts beyond 2^53 cents,
 * and digits below a cent unless the caller asks to round them ("0.001").
 */

export type Cents = number;

export class MoneyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MoneyError";
  }
}

/**
 * What to do with digits below a cent: refuse them (prices we charge), or round them half up to
 * the nearest cent (amounts received, as PayRam shows them: "11.999999" is 12.00, not 11.99).
 */
export type SubCent = "reject" | "round";

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

function describe(input: unknown): string {
  if (typeof input === "string") return input === "" ? "an empty string" : JSON.stringify(input.slice(0, 40));
  return String(input);
}

/** Parses a USD amount (string or number) into integer cents. Throws MoneyError. */
export function parseCents(input: unknown, subCent: SubCent = "reject"): Cents {
  let text: string;
  if (typeof input === "number") {
    if (!Number.isFinite(input)) throw new MoneyError(`amount ${describe(input)} is not a finite number`);
    // String() gives the shortest decimal that round-trips the double: 49.99 -> "49.99".
    text = String(input);
  } else if (typeof input === "string") {
    text = input;
  } else {
    throw new MoneyError(`amount is missing (got ${describe(input)})`);
  }
  const match = DECIMAL.exec(text);
  if (!match) throw new MoneyError(`amount ${describe(input)} is not a plain non-negative decimal such as "49.99"`);
  const whole = match[1]!;
  const fraction = match[2] ?? "";
  const kept = fraction.slice(0, 2).padEnd(2, "0");
  const dropped = fraction.slice(2);
  if (subCent === "reject" && /[1-9]/.test(dropped)) {
    throw new MoneyError(`amount ${describe(input)} has fractions of a cent`);
  }
  const digits = (whole + kept).replace(/^0+(?=\d)/, "");
  // Half up, on the digits: the first dropped digit decides.
  const cents = Number(digits) + (subCent === "round" && dropped !== "" && dropped[0]! >= "5" ? 1 : 0);
  if (!Number.isSafeInteger(cents)) throw new MoneyError(`amount ${describe(input)} is too large`);
  return cents;
}

/** Like parseCents, but null/undefined/"" mean "no amount yet" (PayRam's filledAmountInUSD before a deposit). */
export function parseOptionalCents(input: unknown, subCent: SubCent = "reject"): Cents | null {
  if (input === null || input === undefined || input === "") return null;
  return parseCents(input, subCent);
}

function assertCents(cents: Cents): void {
  if (!Number.isSafeInteger(cents)) throw new MoneyError(`${cents} is not a whole number of cents`);
}

/** 4999 -> "49.99", 5 -> "0.05", -250 -> "-2.50". Exact: string work on integer digits. */
export function centsToDecimal(cents: Cents): string {
  assertCents(cents);
  const sign = cents < 0 ? "-" : "";
  const digits = String(Math.abs(cents)).padStart(3, "0");
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/**
 * The JSON number PayRam's `amountInUSD` wants: at most two decimals. Number("49.99") is the
 * double nearest 49.99, and JSON.stringify writes it back as exactly "49.99".
 */
export function centsToAmountNumber(cents: Cents): number {
  if (cents <= 0) throw new MoneyError("a payment amount must be greater than zero");
  return Number(centsToDecimal(cents));
}

const usdFormats = new Map<string, Intl.NumberFormat>();

/**
 * "$1,234.50" for people, in the reader's locale ("1234,50 US$" in Spanish; English reads en-US).
 * Intl only formats here, and it gets the exact decimal string, never a float.
 */
export function formatUsd(cents: Cents, locale = "en"): string {
  const tag = locale === "en" ? "en-US" : locale;
  let format = usdFormats.get(tag);
  if (!format) usdFormats.set(tag, (format = new Intl.NumberFormat(tag, { style: "currency", currency: "USD" })));
  return format.format(centsToDecimal(cents) as unknown as number);
}

/** The same for an exact decimal string ("49.99"), as the status view carries amounts. */
export function formatDecimalUsd(decimal: string, locale = "en"): string {
  return formatUsd(parseCents(decimal), locale);
}
