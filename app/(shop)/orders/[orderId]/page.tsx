import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { OrderStatus } from "@/components/order-status";
import { getDb } from "@/lib/db/server";
import { formatUsd } from "@/lib/money";
import { findOrder, listOrderItems } from "@/lib/orders";
import { maskEmail } from "@/lib/orders/mask";
import { orderAttempts } from "@/lib/payments/attempts";
import { syncUnderWay, toStatusView } from "@/lib/payments/status";

export const metadata: Metadata = { title: "Your order", robots: { index: false } };

/**
 * The shopper's order status: rendered on the server from the database (no loading flash, and no
 * wait on PayRam; "checking" if a poll's sync is under way), then kept current by the polling island.
 */
export default async function OrderPage({ params }: PageProps<"/orders/[orderId]">) {
  const { orderId } = await params;
  const db = getDb();
  const order = await findOrder(db, orderId);
  if (!order) notFound();
  const [items, attempts] = await Promise.all([listOrderItems(db, order.id), orderAttempts(db, order.id)]);
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-3xl font-semibold tracking-tight">Order #{order.number}</h1>
        <p className="mt-1 text-sm text-ink-muted">
          Placed {new Date(order.created_at).toLocaleString("en-US", { dateStyle: "long", timeStyle: "short", timeZone: "UTC" })} UTC ·
          confirmation to {maskEmail(order.email)}
        </p>
      </div>
      <OrderStatus orderId={order.id} initial={toStatusView(order, attempts, syncUnderWay(db, attempts.at(-1) ?? null))} />
      <section aria-labelledby="items" className="rounded-xl border border-paper-line bg-paper p-6">
        <h2 id="items" className="text-lg font-semibold">
          Items
        </h2>
        <ul className="mt-4 space-y-2">
          {items.map((item) => (
            <li key={item.position} className="flex justify-between gap-4">
              <span>
                {item.name} × {item.quantity}
              </span>
              <span className="tabular-nums">{formatUsd(item.line_total_cents)}</span>
            </li>
          ))}
        </ul>
        <p className="mt-4 flex justify-between border-t border-paper-line pt-4 text-lg font-semibold">
          <span>Total</span>
          <span className="tabular-nums" data-testid="order-total">
            {formatUsd(order.total_cents)}
          </span>
        </p>
        {order.shipping_name && (
          <p className="mt-4 text-sm text-ink-muted">
            Shipping to {order.shipping_name}, {order.shipping_city}, {order.shipping_country}
          </p>
        )}
      </section>
    </div>
  );
}
