import type { Metadata } from "next";
import Link from "next/link";
import { DataTable } from "@/components/admin/data-table";
import { ResolveForm } from "@/components/admin/resolve-form";
import { requireMerchantPage } from "@/lib/server/auth";
import { can } from "@/lib/rules/roles";
import { ATTENTION_LABELS } from "@/lib/views/admin-orders";
import { merchantAttention } from "@/lib/server/reads";
import { formatUtc } from "@/lib/rules/format";

export const metadata: Metadata = { title: "Needs attention" };

const DELIVERY_COLUMNS = [{ label: "Received" }, { label: "Method" }, { label: "Why refused" }];

export default async function AttentionPage() {
  const merchant = await requireMerchantPage("orders.read");
  const { items, rejectedDeliveries, caps } = await merchantAttention();
  return (
    <div className="space-y-8">
      <h1 className="text-3xl font-semibold tracking-tight">Needs attention</h1>
      <section aria-labelledby="orders-attention" className="space-y-3">
        <h2 id="orders-attention" className="text-lg font-semibold">
          Orders ({items.length})
        </h2>
        {items.length === 0 && <p className="text-ink-muted">Nothing needs you right now.</p>}
        <ul className="space-y-3">
          {items.map((item) => (
            <li key={item.id} className="space-y-2 rounded-xl border border-paper-line bg-paper p-4" data-testid="attention-item">
              <p>
                <Link href={`/admin/orders/${item.orderId}`} className="font-semibold text-brand-700 underline">
                  Order #{item.orderNumber}
                </Link>{" "}
                — <strong>{ATTENTION_LABELS[item.kind]}</strong>
              </p>
              <p className="text-sm text-ink-muted">{item.detail}</p>
              {can(merchant.person.role, "attention.resolve") && <ResolveForm id={item.id} label={`order #${item.orderNumber}`} />}
            </li>
          ))}
        </ul>
      </section>
      {caps.length > 0 && (
        <section aria-labelledby="caps" className="space-y-3">
          <h2 id="caps" className="text-lg font-semibold">
            Limits reached, last 24 hours
          </h2>
          <p className="text-sm text-ink-muted">
            Anonymous traffic beyond these shop-wide caps was turned away without being stored. Now and then is harmless; often means a flood, or someone guessing the password.
          </p>
          <ul className="list-disc space-y-1 pl-5">
            {caps.map((cap) => (
              <li key={cap.name} data-testid="cap-reached">
                {cap.summary}
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="rejected" className="space-y-3">
        <h2 id="rejected" className="text-lg font-semibold">
          Refused webhook deliveries, last 24 hours ({rejectedDeliveries.length})
        </h2>
        <p className="text-sm text-ink-muted">Forged, unsigned or malformed requests to /api/webhook. Many of them may mean someone is probing the shop, or PayRam&apos;s key has changed.</p>
        {rejectedDeliveries.length > 0 && (
          <DataTable columns={DELIVERY_COLUMNS} rows={rejectedDeliveries}>
            {(delivery) => (
              <tr key={delivery.id} className="border-b border-paper-line last:border-0">
                <td className="px-4 py-2 tabular-nums">{formatUtc(delivery.received_at)}</td>
                <td className="px-4 py-2">{delivery.method}</td>
                <td className="px-4 py-2">{delivery.reason}</td>
              </tr>
            )}
          </DataTable>
        )}
      </section>
    </div>
  );
}
