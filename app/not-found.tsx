import Link from "next/link";
import { useLocale, useTranslations } from "next-intl";
import { localeOr, localizedPath } from "@/lib/rules/locales";

export default function NotFound() {
  const t = useTranslations("NotFound");
  const locale = localeOr(useLocale());
  return (
    <main id="main" className="mx-auto w-full max-w-shop flex-1 px-4 py-8 sm:px-6">
      <section className="rounded-lg border border-paper-line bg-paper p-8">
        <h1 className="text-2xl font-semibold">{t("title")}</h1>
        <p className="mt-2 text-ink-muted">{t("body")}</p>
        <Link href={localizedPath(locale, "/")} className="mt-4 inline-block font-medium text-brand-600 underline">
          {t("backToShop")}
        </Link>
      </section>
    </main>
  );
}
