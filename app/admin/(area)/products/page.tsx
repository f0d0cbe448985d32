import type { Metadata } from "next";
import Link from "next/link";
import { DataTable } from "@/components/admin/data-table";
import { requireMerchantPage } from "@/lib/server/auth";
import { productFilterSchema, type ProductFilter } from "@/lib/catalog/editor";
import { merchantProducts } from "@/lib/server/reads";
import { plural, queryString } from "@/lib/rules/format";
import { formatUsd } from "@/lib/rules/money";

export const metadata: Metadata = { title: "Products" };

const STATUSES: { value: ProductFilter["status"]; label: string }[] = [
  { value: "all", label: "All" },
  { value: "active", label: "Active" },
  { value: "archived", label: "Archived" },
];

const COLUMNS = [{ label: "Name" }, { label: "Slug" }, { label: "Price", numeric: true }, { label: "Kind" }, { label: "Stock", numeric: true }, { label: "Status" }];

function stockLabel(stock: number | null): string {
  if (stock === null) return "not tracked";
  return stock === 0 ? "Sold out" : String(stock);
}

export default async function ProductsPage({ searchParams }: PageProps<"/admin/products">) {
  await requireMerchantPage("catalog.edit");
  const raw = await searchParams;
  const filter = productFilterSchema.parse({ q: raw.q, status: raw.status });
  const rows = await merchantProducts(filter);
  const query = (changes: Partial<Record<"q" | "status", string | undefined>>) => queryString({ q: filter.q, status: filter.status === "all" ? undefined : filter.status, ...changes });
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <h1 className="text-3xl font-semibold tracking-tight">Products</h1>
        <Link href="/admin/products/new" className="rounded-md bg-brand-600 px-4 py-2 font-semibold text-white hover:bg-brand-700">
          New product
        </Link>
      </div>
      {raw.deleted === "1" && (
        <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 p-4 text-sm text-emerald-900">
          The product was deleted.
        </p>
      )}
      <nav aria-label="Filter by status" className="flex flex-wrap gap-2 text-sm">
        {STATUSES.map(({ value, label }) => (
          <Link
            key={value}
            href={`/admin/products${query({ status: value === "all" ? undefined : value })}`}
            aria-current={filter.status === value ? "page" : undefined}
            className="rounded-full border border-paper-line bg-paper px-3 py-1 aria-[current=page]:bg-ink aria-[current=page]:text-white"
          >
            {label}
          </Link>
        ))}
      </nav>
      <form role="search" className="flex gap-2" action="/admin/products">
        {filter.status !== "all" && <input type="hidden" name="status" value={filter.status} />}
        <label htmlFor="q" className="sr-only">
          Search products by name or slug
        </label>
        <input id="q" name="q" defaultValue={filter.q ?? ""} placeholder="Name or slug" className="w-full max-w-md rounded-md border border-paper-line px-3 py-2" />
        <button type="submit" className="rounded-md bg-ink px-4 py-2 font-medium text-white">
          Search
        </button>
      </form>
      <DataTable caption="Products, oldest first" columns={COLUMNS} rows={rows} empty="No products match.">
        {(row) => (
          <tr key={row.id} className="border-b border-paper-line last:border-0" data-testid="product-row">
            <td className="px-4 py-2">
              <Link href={`/admin/products/${row.id}`} className="font-medium text-brand-700 underline">
                {row.name}
              </Link>
            </td>
            <td className="px-4 py-2 font-mono text-xs">{row.slug}</td>
            <td className="px-4 py-2 text-right tabular-nums">{formatUsd(row.priceCents)}</td>
            <td className="px-4 py-2">{row.ships ? "Physical" : "Digital"}</td>
            <td className={`px-4 py-2 text-right tabular-nums ${row.stock === 0 ? "font-medium text-bad" : row.stock === null ? "text-ink-muted" : ""}`}>{stockLabel(row.stock)}</td>
            <td className="px-4 py-2">{row.active ? "Active" : "Archived"}</td>
          </tr>
        )}
      </DataTable>
      <p className="text-sm">{plural(rows.length, "product")}</p>
    </div>
  );
}
