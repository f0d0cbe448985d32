import { headers } from "next/headers";
import { getRequestConfig } from "next-intl/server";
import { DEFAULT_LOCALE, isLocale } from "@/lib/rules/locales";
import { MESSAGES } from "@/lib/i18n/messages";
import { orderLocale } from "@/lib/server/reads";

/**
 * The language of this request, as proxy.ts settled it (URL prefix, cookie, Accept-Language); an
 * order's own pages speak the order's language to a browser that never chose one (a link from a
 * mail opened elsewhere).
 */
export default getRequestConfig(async () => {
  const sent = await headers();
  let locale = sent.get("x-locale");
  const order = /^\/orders\/([^/]+)/.exec(sent.get("x-page-path") ?? "");
  if (order && sent.get("x-locale-from") === "browser") {
    const placedIn = await orderLocale(decodeURIComponent(order[1]!)).catch(() => null);
    if (placedIn) locale = placedIn;
  }
  const code = isLocale(locale) ? locale : DEFAULT_LOCALE;
  return { locale: code, messages: MESSAGES[code], timeZone: "UTC" };
});
