import type { Metadata } from "next";
import Link from "next/link";
import { DataTable } from "@/components/admin/data-table";
import { StateBadge } from "@/components/admin/state-badge";
import { requireMerchantPage } from "@/lib/server/auth";
import { orderFilterSchema, PAGE_SIZE } from "@/lib/views/admin-orders";
import { merchantOrders } from "@/lib/server/reads";
import { formatUtc, plural, queryString } from "@/lib/rules/format";
import { formatUsd } from "@/lib/rules/money";
import { MERCHANT_STATE_LABELS, MERCHANT_STATES } from "@/lib/rules/states";

export const metadata: Metadata = { title: "Orders" };

const COLUMNS = [{ label: "Order" }, { label: "Placed" }, { label: "Email" }, { label: "Total", numeric: true }, { label: "Received", numeric: true }, { label: "State" }, { label: "PayRam payments", numeric: true }];

export default async function OrdersPage({ searchParams }: PageProps<"/admin">) {
  await requireMerchantPage("orders.read");
  const raw = await searchParams;
  const filter = orderFilterSchema.parse({ state: raw.state, fulfil: raw.fulfil, q: raw.q, page: raw.page });
  const { rows, total, summary, mailOff, waitingMail } = await merchantOrders(filter);
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const query = (changes: Record<string, string | undefined>) => queryString({ state: filter.state, fulfil: filter.fulfil, q: filter.q, ...changes });
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <h1 className="text-3xl font-semibold tracking-tight">Orders</h1>
        <p className="text-sm text-ink-muted">
          Paid today (UTC): <strong className="text-lg text-ink tabular-nums" data-testid="paid-today">{formatUsd(summary.paidTodayCents)}</strong>
        </p>
      </div>
      {mailOff && (
        <p className="rounded-md border border-amber-200 bg-amber-50 p-3 text-sm" data-testid="mail-off">
          Mail is off: SMTP_URL is not set, so shoppers get no mail. {waitingMail} {waitingMail === 1 ? "mail waits" : "mails wait"} in the outbox and go once it is set.
        </p>
      )}
      <nav aria-label="Filter by state" className="flex flex-wrap gap-2 text-sm">
        <Link href={`/admin${query({ state: undefined, fulfil: undefined, page: undefined })}`} aria-current={!filter.state && !filter.fulfil ? "page" : undefined} className="rounded-full border border-paper-line bg-paper px-3 py-1 aria-[current=page]:bg-ink aria-[current=page]:text-white">
          All
        </Link>
        {MERCHANT_STATES.map((state) => (
          <Link key={state} href={`/admin${query({ state, fulfil: undefined, page: undefined })}`} aria-current={filter.state === state ? "page" : undefined} className="rounded-full border border-paper-line bg-paper px-3 py-1 aria-[current=page]:bg-ink aria-[current=page]:text-white">
            {MERCHANT_STATE_LABELS[state]} <span className="tabular-nums text-ink-faint">{summary.counts[state] ?? 0}</span>
          </Link>
        ))}
        <Link href={`/admin${query({ state: undefined, fulfil: "ship", page: undefined })}`} aria-current={filter.fulfil === "ship" ? "page" : undefined} className="rounded-full border border-paper-line bg-paper px-3 py-1 aria-[current=page]:bg-ink aria-[current=page]:text-white">
          To ship <span className="tabular-nums text-ink-faint">{summary.toShip}</span>
        </Link>
      </nav>
      <form role="search" className="flex gap-2" action="/admin">
        {filter.state && <input type="hidden" name="state" value={filter.state} />}
        {filter.fulfil && <input type="hidden" name="fulfil" value={filter.fulfil} />}
        <label htmlFor="q" className="sr-only">
          Search by order number, email or PayRam reference
        </label>
        <input id="q" name="q" defaultValue={filter.q ?? ""} placeholder="Order #, email or PayRam reference" className="w-full max-w-md rounded-md border border-paper-line px-3 py-2" />
        <button type="submit" className="rounded-md bg-ink px-4 py-2 font-medium text-white">
          Search
        </button>
        <a href={`/admin/api/orders.csv${query({})}`} className="ml-auto rounded-md border border-paper-line bg-paper px-4 py-2 font-medium">
          Export CSV
        </a>
      </form>
      <DataTable caption="Orders, newest first" columns={COLUMNS} rows={rows} empty="No orders match.">
        {(row) => (
          <tr key={row.id} className="border-b border-paper-line last:border-0">
            <td className="px-4 py-2">
              <Link href={`/admin/orders/${row.id}`} className="font-medium text-brand-700 underline">
                #{row.number}
              </Link>
            </td>
            <td className="px-4 py-2 tabular-nums">{formatUtc(row.createdAt)}</td>
            <td className="px-4 py-2">{row.email}</td>
            <td className="px-4 py-2 text-right tabular-nums">{formatUsd(row.totalCents)}</td>
            <td className="px-4 py-2 text-right tabular-nums">{formatUsd(row.receivedCents)}</td>
            <td className="px-4 py-2">
              <StateBadge state={row.state} />
            </td>
            <td className="px-4 py-2 text-right tabular-nums" data-testid="payment-count" title={row.referenceIds.join(" ")}>
              {row.referenceIds.length}
            </td>
          </tr>
        )}
      </DataTable>
      <nav aria-label="Pages" className="flex items-center justify-between text-sm">
        <span>
          {plural(total, "order")} · page {filter.page} of {pages}
        </span>
        <span className="flex gap-2">
          {filter.page > 1 && <Link href={`/admin${query({ page: String(filter.page - 1) })}`} className="rounded border border-paper-line bg-paper px-3 py-1">Newer</Link>}
          {filter.page < pages && <Link href={`/admin${query({ page: String(filter.page + 1) })}`} className="rounded border border-paper-line bg-paper px-3 py-1">Older</Link>}
        </span>
      </nav>
    </div>
  );
}
