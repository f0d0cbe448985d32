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

/** Every shopper-facing string, per locale (messages/*.json; `npm run lint` checks that none misses a key). */
export type Messages = typeof en;
export const MESSAGES: Record<Locale, Messages> = { en, es, fr, "pt-BR": ptBR, tr, ja, "zh-CN": zhCN, ar };

/** Strings of one namespace in one locale, outside React (mails). */
export function translator<N extends keyof Messages>(locale: string, namespace: N) {
  const code = localeOr(locale);
  return createTranslator({ locale: code, messages: MESSAGES[code], namespace, timeZone: "UTC" });
}
