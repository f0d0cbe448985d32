/**
 * Characters no keyboard types, in text a person types. Control characters (C0 U+0000–U+001F,
 * DEL, C1 U+0080–U+009F: Unicode's "Cc"): screens hide them, SQLite would store them, and a NUL
 * makes Postgres refuse the whole statement. And the invisible ones that change what the merchant
 * reads without showing: bidi overrides, embeddings, isolates and marks (a name ending in
 * "\u202Egpj.exe" reads "exe.jpg"), zero-width spaces, word joiners, a BOM, and a zero-width
 * joiner or non-joiner where no script or emoji needs one. Text fields refuse them all; multi-line
 * text keeps its tabs and line breaks. Every other character (accents, CJK, emoji) is welcome.
 */
const CONTROL = /\p{Cc}/u;
const CONTROL_BUT_LINE_BREAKS = /(?![\t\n\r])\p{Cc}/u;
/** Bidi embeddings and overrides (U+202A–E), isolates (U+2066–9), marks (LRM, RLM, ALM). */
const BIDI = "\\u202A-\\u202E\\u2066-\\u2069\\u200E\\u200F\\u061C";
/** Zero-width space, word joiner and invisible operators, BOM, Mongolian vowel separator. */
const INVISIBLE = "\\u200B\\u2060-\\u2064\\uFEFF\\u180E";
/**
 * Where a zero-width (non-)joiner does something: after a letter or mark of a script that joins
 * (not Latin), or inside an emoji sequence (after a pictograph, VS16 or a skin tone), and before
 * a letter, mark or pictograph. Anywhere else it only hides.
 */
const JOINS_AFTER = "(?:(?!\\p{Script=Latin})[\\p{L}\\p{M}]|\\p{Extended_Pictographic}|\\uFE0F|[\\u{1F3FB}-\\u{1F3FF}])";
const JOINS_BEFORE = "(?:(?!\\p{Script=Latin})[\\p{L}\\p{M}]|\\p{Extended_Pictographic})";
const STRAY_JOINER = `(?<!${JOINS_AFTER})[\\u200C\\u200D]|[\\u200C\\u200D](?!${JOINS_BEFORE})`;
const HIDDEN = new RegExp(`[${BIDI}${INVISIBLE}]|${STRAY_JOINER}`, "u");

export function hasControlCharacters(value: string, options: { multiline?: boolean } = {}): boolean {
  return (options.multiline ? CONTROL_BUT_LINE_BREAKS : CONTROL).test(value) || HIDDEN.test(value);
}

/** The field error, e.g. "The city contains characters we cannot accept". */
export function controlCharactersMessage(label: string): string {
  return `${label[0]!.toUpperCase()}${label.slice(1)} contains characters we cannot accept`;
}

/** For text that is only searched with, never stored: what the person can see of it. */
export function withoutControlCharacters(value: string): string {
  return value.replace(new RegExp(`\\p{Cc}|${HIDDEN.source}`, "gu"), "");
}
