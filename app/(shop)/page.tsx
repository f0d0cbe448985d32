import { ProductCard } from "@/components/product-card";
import { shopProducts } from "@/lib/server/reads";

export default async function HomePage() {
  const products = await shopProducts();
  return (
    <div className="space-y-8">
      <section aria-labelledby="welcome" className="rounded-2xl bg-gradient-to-br from-brand-50 to-paper p-8 sm:p-10">
        <h1 id="welcome" className="text-3xl font-semibold tracking-tight sm:text-4xl">
          Thoughtful goods, paid in crypto
        </h1>
        <p className="mt-3 max-w-prose text-ink-muted">
          Every price is set on our server, and you pay on PayRam&apos;s secure payment page with the
          coin and network you prefer. Digital goods arrive by email; everything else ships worldwide.
        </p>
      </section>
      <section aria-labelledby="catalog">
        <h2 id="catalog" className="mb-4 text-xl font-semibold">
          The collection
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
