import Link from "next/link";
import { Suspense } from "react";
import { useLocale, useTranslations } from "next-intl";
import { LanguageSwitcher } from "./language-switcher";
import { localeOr, localizedPath } from "@/lib/rules/locales";

/** `itemCount`: pieces in the shopper's cart, read by the layout. */
export function SiteHeader({ itemCount }: { itemCount: number }) {
  const t = useTranslations("Header");
  const locale = localeOr(useLocale());
  return (
    <header className="border-b border-paper-line bg-paper">
      <div className="mx-auto flex max-w-shop items-center justify-between gap-4 px-4 py-4 sm:px-6">
        <Link href={localizedPath(locale, "/")} className="text-lg font-semibold tracking-tight text-ink">
          Lumen Goods
        </Link>
        <div className="flex items-center gap-4">
          <nav aria-label={t("nav")}>
            <ul className="flex items-center gap-6 text-sm font-medium text-ink-muted">
              <li>
                <Link href={localizedPath(locale, "/")} className="hover:text-ink">
                  {t("shop")}
                </Link>
              </li>
              <li>
                <Link href={localizedPath(locale, "/cart")} className="inline-flex items-center gap-2 hover:text-ink">
                  {t("cart")}
                  <span
                    data-testid="cart-count"
                    className="inline-flex min-w-6 justify-center rounded-full bg-brand-600 px-1.5 py-0.5 text-xs font-semibold text-white tabular-nums"
                  >
                    {itemCount}
                  </span>
                  <span className="sr-only">{t("items", { count: itemCount })}</span>
                </Link>
              </li>
            </ul>
          </nav>
          <Suspense>
            <LanguageSwitcher />
          </Suspense>
        </div>
      </div>
    </header>
  );
}
