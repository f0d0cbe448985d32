/**
 * The shop's languages (issue 31): which exist, how each is written (direction), how a browser's
 * Accept-Language picks one, and which pages carry it in their URL. Pure and browser-safe.
 */
export const LOCALES = ["en", "es", "fr", "pt-BR", "tr", "ja", "zh-CN", "ar"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "en";

/** The cookie that remembers the shopper's choice (next-intl's name for it). */
export const LOCALE_COOKIE = "NEXT_LOCALE";
/** A link that changes the language: `?hl=es` on any shopper page (proxy.ts sets the cookie). */
export const LOCALE_PARAM = "hl";

/** Each language in its own words, for the switcher. */
export const LOCALE_NAMES: Record<Locale, string> = {
  en: "English",
  es: "Español",
  fr: "Français",
  "pt-BR": "Português (Brasil)",
  tr: "Türkçe",
  ja: "日本語",
  "zh-CN": "简体中文",
  ar: "العربية",
};

/** A locale stored or sent anywhere, as one of ours (English for anything else). */
export const localeOr = (value: unknown): Locale => (isLocale(value) ? value : DEFAULT_LOCALE);

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/** A locale tag as written anywhere ("pt-br", "zh_CN", "ar-EG"), read as one of ours; null when none fits. */
export function matchLocale(tag: string): Locale | null {
  const wanted = tag.trim().replace("_", "-").toLowerCase();
  if (!wanted) return null;
  const exact = LOCALES.find((locale) => locale.toLowerCase() === wanted);
  if (exact) return exact;
  const language = wanted.split("-")[0];
  return LOCALES.find((locale) => locale.split("-")[0]!.toLowerCase() === language) ?? null;
}

/** The best of our locales for an Accept-Language header ("es-MX,es;q=0.9,en;q=0.8"), by its weights; English when none fits. */
export function negotiateLocale(acceptLanguage: string | null | undefined): Locale {
  const ranked = (acceptLanguage ?? "")
    .split(",")
    .map((part, index) => {
      const [tag = "", ...params] = part.split(";");
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)).find(Boolean);
      return { tag, q: q ? Number(q[1]) : 1, index };
    })
    .filter((entry) => entry.q > 0 && entry.tag.trim() !== "*")
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    const locale = matchLocale(tag);
    if (locale) return locale;
  }
  return DEFAULT_LOCALE;
}

export const direction = (locale: Locale): "rtl" | "ltr" => (locale === "ar" ? "rtl" : "ltr");

/**
 * The shop's pages carry their language in the URL (`/es/products/…`; English without a
 * prefix); the order and checkout pages keep one URL and take the language from the cookie
 * or the order.
 */
export function isLocalizedPath(pathname: string): boolean {
  return pathname === "/" || pathname === "/cart" || pathname.startsWith("/products/");
}

/** A shop path in a locale: "/products/x" → "/es/products/x"; English and unprefixed pages as they are. */
export function localizedPath(locale: Locale, pathname: string): string {
  if (locale === DEFAULT_LOCALE || !isLocalizedPath(pathname)) return pathname;
  return pathname === "/" ? `/${locale}` : `/${locale}${pathname}`;
}

/** A path's locale prefix and the path without it: "/es/products/x" → { locale: "es", rest: "/products/x" }; null without one. */
export function splitLocalePrefix(pathname: string): { locale: Locale; rest: string } | null {
  const match = /^\/([A-Za-z]{2}(?:-[A-Za-z]{2})?)(\/.*)?$/.exec(pathname);
  if (!match || !isLocale(match[1])) return null;
  return { locale: match[1], rest: match[2] ?? "/" };
}
