import type { Metadata } from "next";
import Image from "next/image";
import Link from "next/link";
import { getLocale, getTranslations } from "next-intl/server";
import { localeOr, localizedPath } from "@/lib/rules/locales";
import { notFound, permanentRedirect } from "next/navigation";
import { AddToCartForm } from "./_components/add-to-cart-form";
import { slugSchema } from "@/lib/catalog";
import { productRenamedFrom, shopProduct } from "@/lib/server/reads";
import { formatUsd } from "@/lib/rules/money";

async function productFor(params: Promise<{ slug: string }>) {
  const slug = slugSchema.safeParse((await params).slug);
  return slug.success ? shopProduct(slug.data) : null;
}

export async function generateMetadata({ params }: PageProps<"/products/[slug]">): Promise<Metadata> {
  const product = await productFor(params);
  return { title: product?.name ?? (await getTranslations("Product"))("notFound") };
}

export default async function ProductPage({ params }: PageProps<"/products/[slug]">) {
  const product = await productFor(params);
  if (!product) {
    // An old link to a product the merchant renamed.
    const slug = slugSchema.safeParse((await params).slug);
    const renamed = slug.success ? await productRenamedFrom(slug.data) : null;
    if (renamed) permanentRedirect(localizedPath(localeOr(await getLocale()), `/products/${renamed}`));
    notFound();
  }
  const t = await getTranslations("Product");
  const locale = localeOr(await getLocale());
  return (
    <div className="space-y-6">
      <nav aria-label={t("breadcrumb")} className="text-sm text-ink-muted">
        <Link href={localizedPath(locale, "/")} className="hover:text-ink">
          {(await getTranslations("Header"))("shop")}
        </Link>{" "}
        / <span aria-current="page">{product.name}</span>
      </nav>
      <article className="grid gap-8 md:grid-cols-2">
        <Image
          src={product.image}
          alt={product.name}
          width={800}
          height={600}
          unoptimized
          priority
          className="aspect-[4/3] w-full rounded-2xl border border-paper-line bg-paper object-cover"
        />
        <div className="space-y-4">
          <h1 className="text-3xl font-semibold tracking-tight">{product.name}</h1>
          <p className="text-2xl font-semibold tabular-nums">{formatUsd(product.priceCents, locale)}</p>
          <p className="text-ink-muted">{product.description}</p>
          <p className="text-sm text-ink-muted">
            {product.ships ? t("shipsNote") : t("digitalNote")}
          </p>
          {product.stock !== null && product.stock > 0 && product.stock <= 5 && (
            <p className="text-sm font-medium text-warn" data-testid="stock-left">
              {t("onlyLeft", { count: product.stock })}
            </p>
          )}
          <AddToCartForm productId={product.id} stock={product.stock} />
        </div>
      </article>
    </div>
  );
}
