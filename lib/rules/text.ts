/**
 * Control characters (C0 U+0000–U+001F, DEL, C1 U+0080–U+009F: Unicode's "Cc") in text a
 * person types. No keyboard makes them, screens hide them, SQLite would store them, and a NUL
 * makes Postgres refuse the whole statement. Text fields refuse them; multi-line text keeps
 * its tabs and line breaks. Every other character (accents, CJK, emoji) is welcome.
 */
const CONTROL = /\p{Cc}/u;
const CONTROL_BUT_LINE_BREAKS = /(?![\t\n\r])\p{Cc}/u;

export function hasControlCharacters(value: string, options: { multiline?: boolean } = {}): boolean {
  return (options.multiline ? CONTROL_BUT_LINE_BREAKS : CONTROL).test(value);
}

/** The field error, e.g. "The city contains characters we cannot accept". */
export function controlCharactersMessage(label: string): string {
  return `${label[0]!.toUpperCase()}${label.slice(1)} contains characters we cannot accept`;
}

/** For text that is only searched with, never stored: what the person can see of it. */
export function withoutControlCharacters(value: string): string {
  return value.replace(/\p{Cc}/gu, "");
}
