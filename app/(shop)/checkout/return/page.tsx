import type { Metadata } from "next";
import Link from "next/link";
import { getLocale, getTranslations } from "next-intl/server";
import { localeOr, localizedPath } from "@/lib/rules/locales";
import { redirect } from "next/navigation";
import { lastCheckedOutOrder } from "@/lib/server/reads";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("Return"))("meta") };
}

/**
 * Where PayRam sends the shopper back (its success and cancel URLs are per project, not per
 * payment): the status page of the order this browser last checked out.
 */
export default async function ReturnFromPayram() {
  const order = await lastCheckedOutOrder();
  if (order) redirect(`/orders/${order.id}`);
  const t = await getTranslations("Return");
  return (
    <section className="space-y-3 rounded-xl border border-paper-line bg-paper p-8">
      <h1 className="text-2xl font-semibold">{t("title")}</h1>
      <p className="text-ink-muted">
        {t("body")}
      </p>
      <Link href={localizedPath(localeOr(await getLocale()), "/")} className="inline-block font-medium text-brand-600 underline">
        {t("back")}
      </Link>
    </section>
  );
}
