import Link from "next/link";
import { useLocale, useTranslations } from "next-intl";
import { localeOr, localizedPath } from "@/lib/rules/locales";

/** The links out of an error or not-found page: the shop and the cart, or (merchant) the orders. */
export function WayBack({ merchant = false }: { merchant?: boolean }) {
  const t = useTranslations("NotFound");
  const locale = localeOr(useLocale());
  if (merchant) {
    return (
      <Link href="/admin" className="font-medium text-brand-600 underline">
        Back to orders
      </Link>
    );
  }
  return (
    <>
      <Link href={localizedPath(locale, "/")} className="font-medium text-brand-600 underline">
        {t("backToShop")}
      </Link>
      <Link href={localizedPath(locale, "/cart")} className="font-medium text-brand-600 underline">
        {t("yourCart")}
      </Link>
    </>
  );
}
