import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { getDb } from "@/lib/db/server";
import { formatUsd } from "@/lib/money";
import { findOrder, listOrderItems } from "@/lib/orders";
import { latestAttempt } from "@/lib/payments/attempts";

export const metadata: Metadata = { title: "Your order", robots: { index: false } };

const STATE_COPY: Record<string, string> = {
  STARTING: "We are preparing your payment.",
  START_FAILED: "Your payment could not be started. Nothing was charged.",
  OPEN: "Waiting for your payment.",
  PARTIALLY_FILLED: "Part of your payment has arrived.",
  FILLED: "Paid. Thank you!",
  OVER_FILLED: "Paid. You sent more than the total; we will be in touch about the difference.",
  CANCELLED: "This payment expired or was cancelled.",
};

/** The order's status (the full, polling status page comes with issue 6). */
export default async function OrderPage({ params }: PageProps<"/orders/[orderId]">) {
  const { orderId } = await params;
  const db = getDb();
  const order = await findOrder(db, orderId);
  if (!order) notFound();
  const [items, attempt] = await Promise.all([listOrderItems(db, order.id), latestAttempt(db, order.id)]);
  return (
    <div className="space-y-6">
      <h1 className="text-3xl font-semibold tracking-tight">Order #{order.number}</h1>
      <section aria-labelledby="payment" className="space-y-3 rounded-xl border border-paper-line bg-paper p-6">
        <h2 id="payment" className="text-lg font-semibold">
          Payment
        </h2>
        <p data-testid="payment-state" data-state={attempt?.state ?? "NONE"}>
          {attempt ? STATE_COPY[attempt.state] : "No payment has been started yet."}
        </p>
        {attempt?.payment_url && (attempt.state === "OPEN" || attempt.state === "PARTIALLY_FILLED") && (
          <a href={attempt.payment_url} className="inline-block rounded-md bg-brand-600 px-5 py-2.5 font-semibold text-white hover:bg-brand-700">
            Continue to payment
          </a>
        )}
      </section>
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
      </section>
    </div>
  );
}
