import type { Metadata } from "next";
import { PageTitle } from "@/components/page-title";
import { ProductForm } from "@/components/admin/product-form";
import { requireMerchantPage } from "@/lib/server/auth";
import { EMPTY_FORM } from "@/lib/catalog/editor";

export const metadata: Metadata = { title: "New product" };

export default async function NewProductPage() {
  await requireMerchantPage("catalog.edit");
  return (
    <div className="space-y-6">
      <div>
        <PageTitle back="/admin/products" backLabel="Products">New product</PageTitle>
      </div>
      <ProductForm initial={EMPTY_FORM} />
    </div>
  );
}
