import { useTranslations } from "next-intl";

export function SiteFooter() {
  const t = useTranslations("Footer");
  return (
    <footer className="border-t border-paper-line bg-paper">
      <div className="mx-auto flex max-w-shop flex-col gap-1 px-4 py-6 text-sm text-ink-muted sm:flex-row sm:justify-between sm:px-6">
        <p>{t("demo")}</p>
        <p>{t("payram")}</p>
      </div>
    </footer>
  );
}
