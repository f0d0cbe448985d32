import { createTranslator } from "use-intl/core";
import ar from "../../messages/ar.json";
import en from "../../messages/en.json";
import es from "../../messages/es.json";
import fr from "../../messages/fr.json";
import ja from "../../messages/ja.json";
import ptBR from "../../messages/pt-BR.json";
import tr from "../../messages/tr.json";
import zhCN from "../../messages/zh-CN.json";
import { localeOr, type Locale } from "../rules/locales";
import type { Said, SaidValue } from "./said";

/** Every shopper-facing string, per locale (messages/*.json; `npm run lint` checks that none misses a key). */
export type Messages = typeof en;
export const MESSAGES: Record<Locale, Messages> = { en, es, fr, "pt-BR": ptBR, tr, ja, "zh-CN": zhCN, ar };

/** Strings of one namespace in one locale, outside React (mails). */
export function translator<N extends keyof Messages>(locale: string, namespace: N) {
  const code = localeOr(locale);
  return createTranslator({ locale: code, messages: MESSAGES[code], namespace, timeZone: "UTC" });
}

/** A server message (said.ts) in the shopper's language: its values that are messages first. */
export function inWords(locale: string, message: Said): string {
  const t = translator(locale, "Said") as unknown as (key: string, values?: Record<string, string | number>) => string;
  const words = (value: SaidValue): string | number =>
    typeof value !== "object" ? value : isList(value) ? value.map((part) => inWords(locale, part)).join(" ") : inWords(locale, value);
  return t(message.key, Object.fromEntries(Object.entries(message.values ?? {}).map(([name, value]) => [name, words(value)])));
}

function isList(value: Said | readonly Said[]): value is readonly Said[] {
  return Array.isArray(value);
}
