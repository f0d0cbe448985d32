import type en from "../../messages/en.json";

/** A key of the "Said" namespace in messages/*.json: what the server tells a shopper. */
export type SaidKey = keyof (typeof en)["Said"];
export type SaidValue = string | number | Said | readonly Said[];
/**
 * A message for the shopper from server code (a refusal, a field error), not yet in words: the
 * action or page that shows it puts it into the shopper's language (messages.ts `inWords`). A value
 * may itself be a message (or a list of them, said one after the other).
 */
export type Said = { key: SaidKey; values?: Readonly<Record<string, SaidValue>> };

export function said(key: SaidKey, values?: Said["values"]): Said {
  return values ? { key, values } : { key };
}
