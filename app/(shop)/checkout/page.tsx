import type { Metadata } from "next";
import Link from "next/link";
import { getLocale, getTranslations } from "next-intl/server";
import { localeOr, localizedPath } from "@/lib/rules/locales";
import { CheckoutForm } from "@/components/checkout-form";
import { loadConfig } from "@/lib/config";
import { currentCart } from "@/lib/server/reads";
import { formatUsd } from "@/lib/rules/money";
import { issueCheckoutToken } from "@/lib/checkout/token";
import { priceCart } from "@/lib/checkout/pricing";
import { inWords } from "@/lib/i18n/messages";
import { OrderLines } from "@/components/order-lines";
import { Panel } from "@/components/panel";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("Checkout"))("title") };
}

export default async function CheckoutPage() {
  const cart = await currentCart();
  const priced = priceCart(cart);
  const t = await getTranslations("Checkout");
  const locale = localeOr(await getLocale());
  if (!priced.ok) {
    return (
      <div className="space-y-4 rounded-xl border border-paper-line bg-paper p-8">
        <h1 className="text-3xl font-semibold tracking-tight">{t("title")}</h1>
        <p className="text-ink-muted">{inWords(locale, priced.error)}</p>
        <Link href={localizedPath(locale, cart.lines.length ? "/cart" : "/")} className="inline-block font-medium text-brand-600 underline">
          {cart.lines.length ? t("backToCart") : t("continue")}
        </Link>
      </div>
    );
  }
  const token = issueCheckoutToken(loadConfig().sessionSecret, cart);
  return (
    <div className="space-y-6">
      <h1 className="text-3xl font-semibold tracking-tight">{t("title")}</h1>
      <div className="grid gap-8 lg:grid-cols-[1fr_22rem]">
        <section aria-label={t("details")} className="rounded-xl border border-paper-line bg-paper p-6">
          <CheckoutForm token={token} ships={priced.ships} totalLabel={formatUsd(priced.totalCents, locale)} />
        </section>
        <Panel id="order-summary" title={t("summary")} className="h-fit">
          <OrderLines lines={priced.lines.map((line) => ({ key: line.slug, ...line }))} totalCents={priced.totalCents} totalTestId="checkout-total" />
        </Panel>
      </div>
    </div>
  );
}
