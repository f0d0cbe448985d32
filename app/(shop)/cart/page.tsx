import type { Metadata } from "next";
import Image from "next/image";
import Link from "next/link";
import { getLocale, getTranslations } from "next-intl/server";
import { localeOr, localizedPath } from "@/lib/rules/locales";
import { CartLineForm } from "./_components/cart-line-form";
import { currentCart } from "@/lib/server/reads";
import { formatUsd } from "@/lib/rules/money";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("Cart"))("title") };
}

export default async function CartPage() {
  const cart = await currentCart();
  const t = await getTranslations("Cart");
  const locale = localeOr(await getLocale());
  const usd = (cents: number) => formatUsd(cents, locale);
  const unavailable = cart.lines.some((line) => !line.available);
  const short = cart.lines.some((line) => line.available && line.stock !== null && line.quantity > line.stock);
  return (
    <div className="space-y-6">
      <h1 className="text-3xl font-semibold tracking-tight">{t("title")}</h1>
      {cart.lines.length === 0 ? (
        <div className="rounded-xl border border-paper-line bg-paper p-8">
          <p className="text-ink-muted">{t("empty")}</p>
          <Link href={localizedPath(locale, "/")} className="mt-4 inline-block font-medium text-brand-600 underline">
            {t("continue")}
          </Link>
        </div>
      ) : (
        <div className="grid gap-8 lg:grid-cols-[1fr_20rem]">
          <ul className="divide-y divide-paper-line rounded-xl border border-paper-line bg-paper" aria-label={t("items")}>
            {cart.lines.map((line) => (
              <li key={line.productId} className="flex gap-4 p-4">
                <Image src={line.image} alt="" width={96} height={72} unoptimized className="h-18 w-24 shrink-0 rounded-md border border-paper-line object-cover" />
                <div className="flex flex-1 flex-col gap-2">
                  <div className="flex flex-wrap items-baseline justify-between gap-2">
                    <Link href={localizedPath(locale, `/products/${line.slug}`)} className="font-semibold hover:text-brand-700">
                      {line.name}
                    </Link>
                    <span className="font-semibold tabular-nums">{usd(line.lineTotalCents)}</span>
                  </div>
                  <p className="text-sm text-ink-muted tabular-nums">{t("each", { price: usd(line.unitPriceCents) })}</p>
                  {line.available && line.stock !== null && line.quantity > line.stock && (
                    <p className="text-sm text-bad">{line.stock === 0 ? t("soldOut") : t("onlyLeft", { count: line.stock })}</p>
                  )}
                  <CartLineForm productId={line.productId} name={line.name} quantity={line.quantity} maxQuantity={line.stock} unavailable={!line.available} />
                </div>
              </li>
            ))}
          </ul>
          <aside aria-labelledby="summary" className="h-fit space-y-4 rounded-xl border border-paper-line bg-paper p-6">
            <h2 id="summary" className="text-lg font-semibold">
              {t("summary")}
            </h2>
            <dl className="flex justify-between text-lg">
              <dt>{t("subtotal")}</dt>
              <dd className="font-semibold tabular-nums" data-testid="cart-subtotal">
                {usd(cart.subtotalCents)}
              </dd>
            </dl>
            {unavailable || short ? (
              <p className="text-sm text-bad">{unavailable ? t("removeUnavailable") : t("changeQuantity")}</p>
            ) : (
              <Link
                href="/checkout"
                className="block rounded-md bg-brand-600 px-5 py-3 text-center font-semibold text-white hover:bg-brand-700"
              >
                {t("toCheckout")}
              </Link>
            )}
          </aside>
        </div>
      )}
    </div>
  );
}
