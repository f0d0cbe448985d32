import { getTranslations } from "next-intl/server";
import { ProductCard } from "@/components/product-card";
import { shopProducts } from "@/lib/server/reads";

export default async function HomePage() {
  const products = await shopProducts();
  const t = await getTranslations("Home");
  return (
    <div className="space-y-8">
      <section aria-labelledby="welcome" className="rounded-2xl bg-gradient-to-br from-brand-50 to-paper p-8 sm:p-10">
        <h1 id="welcome" className="text-3xl font-semibold tracking-tight sm:text-4xl">
          {t("title")}
        </h1>
        <p className="mt-3 max-w-prose text-ink-muted">
          {t("intro")}
        </p>
      </section>
      <section aria-labelledby="catalog">
        <h2 id="catalog" className="mb-4 text-xl font-semibold">
          {t("collection")}
        </h2>
        <ul className="grid grid-cols-1 gap-6 sm:grid-cols-2 lg:grid-cols-3">
          {products.map((product) => (
            <li key={product.slug}>
              <ProductCard product={product} />
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
