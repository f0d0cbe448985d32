import type { Metadata } from "next";
import Link from "next/link";
import { DataTable } from "@/components/admin/data-table";
import { Field, Options } from "@/components/field";
import { auditFilterSchema } from "@/lib/auth/audit";
import { requireMerchantPage } from "@/lib/server/auth";
import { auditPage } from "@/lib/server/reads";
import { formatUtc } from "@/lib/rules/format";

export const metadata: Metadata = { title: "Audit log" };

const COLUMNS = [{ label: "When" }, { label: "Who" }, { label: "What" }, { label: "Outcome" }, { label: "About" }, { label: "Detail" }, { label: "From" }];
const OUTCOMES = { done: "done", refused: "refused", needs_approval: "needs approval" } as const;

/** Every merchant action and sign-in, newest first, filtered by person, kind and order; exported as CSV. */
export default async function AuditPage({ searchParams }: PageProps<"/admin/audit">) {
  await requireMerchantPage("audit.read");
  const params = await searchParams;
  const one = (value: string | string[] | undefined) => (typeof value === "string" && value.trim() !== "" ? value : undefined);
  const filter = auditFilterSchema.parse({ person: one(params.person), kind: one(params.kind), order: one(params.order), page: one(params.page) ?? 1 });
  const { rows, more, kinds } = await auditPage(filter);
  const query = new URLSearchParams(Object.entries({ person: filter.person, kind: filter.kind, order: filter.order }).filter((entry): entry is [string, string] => Boolean(entry[1])));
  return (
    <div className="space-y-6">
      <h1 className="text-3xl font-semibold tracking-tight">Audit log</h1>
      <form className="flex flex-wrap items-end gap-3" method="get">
        <Field id="audit-person" label="Person (email)">
          <input id="audit-person" name="person" defaultValue={filter.person ?? ""} className="mt-1 rounded-md border border-paper-line px-2 py-1.5" />
        </Field>
        <Field id="audit-kind" label="Kind">
          <select id="audit-kind" name="kind" defaultValue={filter.kind ?? ""} className="mt-1 rounded-md border border-paper-line px-2 py-1.5">
            <option value="">All</option>
            {[...new Set(kinds.map((kind) => kind.split(".")[0]!))].map((group) => (
              <option key={`group-${group}`} value={group}>
                {group} (all)
              </option>
            ))}
            <Options values={kinds.filter((kind) => kind.includes("."))} />
          </select>
        </Field>
        <Field id="audit-order" label="Order (number)">
          <input id="audit-order" name="order" defaultValue={filter.order ?? ""} className="mt-1 w-32 rounded-md border border-paper-line px-2 py-1.5" />
        </Field>
        <button type="submit" className="rounded-md bg-ink px-4 py-2 font-medium text-white">
          Filter
        </button>
        <a href={`/admin/api/audit.csv?${query.toString()}`} className="rounded-md border border-ink px-4 py-2 font-medium">
          Export CSV
        </a>
      </form>
      <DataTable caption="Audit log" columns={COLUMNS} rows={rows} empty="Nothing recorded matches." testId="audit">
        {(row) => (
          <tr key={row.id} data-action={row.action} data-outcome={row.outcome}>
            <td className="px-4 py-2 text-sm tabular-nums">{formatUtc(row.at)}</td>
            <td className="px-4 py-2 text-sm">{row.person_email ?? "—"}</td>
            <td className="px-4 py-2 text-sm">{row.action}</td>
            <td className="px-4 py-2 text-sm">{OUTCOMES[row.outcome]}</td>
            <td className="px-4 py-2 text-sm">
              {row.order_id && (
                <Link href={`/admin/orders/${row.order_id}`} className="underline">
                  order
                </Link>
              )}
              {row.product_id && ` product ${row.product_id}`}
              {row.refund_id && ` refund ${row.refund_id.slice(0, 8)}`}
            </td>
            <td className="max-w-md break-words px-4 py-2 text-sm">{row.detail}</td>
            <td className="px-4 py-2 text-sm">{row.address}</td>
          </tr>
        )}
      </DataTable>
      <nav aria-label="Pages" className="flex gap-4 text-sm">
        {filter.page > 1 && <Link href={`/admin/audit?${new URLSearchParams([...query, ["page", String(filter.page - 1)]])}`}>Newer</Link>}
        {more && <Link href={`/admin/audit?${new URLSearchParams([...query, ["page", String(filter.page + 1)]])}`}>Older</Link>}
      </nav>
    </div>
  );
}
