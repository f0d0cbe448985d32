"use client";

import { usePathname, useSearchParams } from "next/navigation";
import { useLocale, useTranslations } from "next-intl";
import { LOCALE_NAMES, LOCALE_PARAM, LOCALES, localeOr } from "@/lib/rules/locales";

/**
 * The shopper's language, changeable from every page: plain links (`?hl=xx`, no script needed)
 * that proxy.ts turns into the page's URL in that language and remembers in a cookie.
 */
export function LanguageSwitcher() {
  const t = useTranslations("Language");
  const current = localeOr(useLocale());
  const pathname = usePathname() ?? "/";
  const search = useSearchParams();
  const href = (code: string) => {
    const params = new URLSearchParams(search?.toString());
    params.set(LOCALE_PARAM, code);
    return `${pathname}?${params}`;
  };
  return (
    <details className="relative text-sm">
      <summary className="cursor-pointer list-none rounded-md px-2 py-1 font-medium text-ink-muted hover:text-ink" data-testid="language-switcher">
        <span className="sr-only">{t("label")}: </span>
        <span lang={current}>{LOCALE_NAMES[current]}</span>
      </summary>
      <ul className="absolute end-0 z-20 mt-1 w-48 rounded-md border border-paper-line bg-paper py-1 shadow-md">
        {LOCALES.map((code) => (
          <li key={code}>
            {/* A plain link: the proxy answers it with a redirect that sets the cookie. */}
            <a href={href(code)} lang={code} hrefLang={code} aria-current={code === current ? "true" : undefined} className="block px-3 py-1.5 text-ink hover:bg-paper-subtle aria-[current]:font-semibold">
              {LOCALE_NAMES[code]}
            </a>
          </li>
        ))}
      </ul>
    </details>
  );
}
