import { inWords } from "../lib/i18n/messages";
import type { Said } from "../lib/i18n/said";

/** `T` with every server message (lib/i18n/said.ts) put into words. */
export type InWords<T> = T extends Said ? string : T extends readonly unknown[] ? InWords<T[number]>[] : T extends object ? { [K in keyof T]: InWords<T[K]> } : T;

const isSaid = (value: object): value is Said => "key" in value && typeof value.key === "string" && Object.keys(value).every((name) => name === "key" || name === "values");

/** A result as the shopper reads it: its messages (errors, field errors) in words, English unless told. */
export function inWordsOf<T>(value: T, locale = "en"): InWords<T> {
  if (value === null || typeof value !== "object") return value as InWords<T>;
  if (Array.isArray(value)) return value.map((item) => inWordsOf(item, locale)) as InWords<T>;
  if (isSaid(value)) return inWords(locale, value) as InWords<T>;
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, inWordsOf(item, locale)])) as InWords<T>;
}
