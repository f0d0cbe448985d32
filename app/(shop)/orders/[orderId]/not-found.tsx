import { useTranslations } from "next-intl";
import { WayBack } from "@/components/way-back";

/** An order id that names no order: most often a link cut short or mistyped. */
export default function OrderNotFound() {
  const t = useTranslations("NotFound");
  return (
    <section className="rounded-lg border border-paper-line bg-paper p-8">
      <h1 className="text-2xl font-semibold">{t("orderTitle")}</h1>
      <p className="mt-2 text-ink-muted">{t("orderBody")}</p>
      <p className="mt-2 text-ink-muted">{t("orderSafe")}</p>
      <div className="mt-4 flex flex-wrap gap-4">
        <WayBack />
      </div>
    </section>
  );
}
