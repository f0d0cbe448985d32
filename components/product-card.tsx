import Image from "next/image";
import Link from "next/link";
import { useLocale, useTranslations } from "next-intl";
import { localeOr, localizedPath } from "@/lib/rules/locales";
import type { ProductView } from "@/lib/catalog";
import { isSoldOut } from "@/lib/rules/catalog";
import { formatUsd } from "@/lib/rules/money";

export function ProductCard({ product }: { product: ProductView }) {
  const t = useTranslations("Product");
  const locale = localeOr(useLocale());
  return (
    <article className="group relative flex h-full flex-col overflow-hidden rounded-xl border border-paper-line bg-paper shadow-sm transition hover:shadow-md">
      <Image
        src={product.image}
        alt=""
        width={400}
        height={300}
        unoptimized
        className="aspect-[4/3] w-full bg-paper-subtle object-cover"
      />
      <div className="flex flex-1 flex-col gap-2 p-4">
        <h3 className="font-semibold">
          <Link href={localizedPath(locale, `/products/${product.slug}`)} className="after:absolute after:inset-0 hover:text-brand-700">
            {product.name}
          </Link>
        </h3>
        <p className="line-clamp-2 text-sm text-ink-muted">{product.description}</p>
        <div className="mt-auto flex items-center justify-between pt-2">
          <span className="text-lg font-semibold tabular-nums">{formatUsd(product.priceCents, locale)}</span>
          <span className="rounded-full bg-paper-subtle px-2 py-0.5 text-xs text-ink-muted">
            {isSoldOut(product) ? t("soldOut") : product.ships ? t("ships") : t("digital")}
          </span>
        </div>
      </div>
    </article>
  );
}
