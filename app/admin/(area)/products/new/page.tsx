import type { Metadata } from "next";
import Link from "next/link";
import { ProductForm } from "@/components/admin/product-form";
import { requireAdminPage } from "@/lib/server/auth";
import { EMPTY_FORM } from "@/lib/catalog/editor";

export const metadata: Metadata = { title: "New product" };

export default async function NewProductPage() {
  await requireAdminPage();
  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm">
          <Link href="/admin/products" className="text-brand-700 underline">
            Products
          </Link>
        </p>
        <h1 className="text-3xl font-semibold tracking-tight">New product</h1>
      </div>
      <ProductForm initial={EMPTY_FORM} />
    </div>
  );
}
