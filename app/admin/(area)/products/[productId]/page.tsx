import type { Metadata } from "next";
import Link from "next/link";
import { PageTitle } from "@/components/page-title";
import { notFound } from "next/navigation";
import { ProductForm } from "@/components/admin/product-form";
import { ProductStatus } from "./_components/product-status";
import { requireMerchantPage } from "@/lib/server/auth";
import { productIdSchema } from "@/lib/catalog";
import { productFormValues } from "@/lib/catalog/editor";
import { merchantProduct } from "@/lib/server/reads";
import { formatUtc } from "@/lib/rules/format";

export const metadata: Metadata = { title: "Edit product" };

export default async function EditProductPage({ params, searchParams }: PageProps<"/admin/products/[productId]">) {
  await requireMerchantPage("catalog.edit");
  const id = productIdSchema.safeParse((await params).productId);
  const found = id.success ? await merchantProduct(id.data) : null;
  if (!found) notFound();
  const { product, deletable } = found;
  const created = (await searchParams).created === "1";
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <PageTitle back="/admin/products" backLabel="Products">{product.name}</PageTitle>
          <p className="text-sm text-ink-muted">
            Kind: {product.ships ? "Physical" : "Digital"} · updated {formatUtc(product.updated_at)}
            {product.active === 1 && (
              <>
                {" · "}
                <Link href={`/products/${product.slug}`} className="text-brand-700 underline">
                  View in the shop
                </Link>
              </>
            )}
          </p>
        </div>
      </div>
      <div className="grid gap-6 lg:grid-cols-[1fr_16rem]">
        <ProductForm
          productId={product.id}
          initial={productFormValues(product)}
          image={product.image}
          downloadName={product.download_name}
          notice={created ? "Product created. The shop shows it now." : undefined}
        />
        <aside aria-label="Status" className="h-fit rounded-xl border border-paper-line bg-paper p-6">
          <ProductStatus productId={product.id} name={product.name} active={product.active === 1} deletable={deletable} />
        </aside>
      </div>
    </div>
  );
}
