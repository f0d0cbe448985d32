import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { lastCheckedOutOrder } from "@/lib/server/reads";

export const metadata: Metadata = { title: "Back from PayRam" };

/**
 * Where PayRam sends the shopper back (its success and cancel URLs are per project, not per
 * payment): the status page of the order this browser last checked out.
 */
export default async function ReturnFromPayram() {
  const order = await lastCheckedOutOrder();
  if (order) redirect(`/orders/${order.id}`);
  return (
    <section className="space-y-3 rounded-xl border border-paper-line bg-paper p-8">
      <h1 className="text-2xl font-semibold">Welcome back</h1>
      <p className="text-ink-muted">
        We could not tell which order you were paying for in this browser. Your payment is safe: use the
        link in your order email to follow it, or contact us with your order number.
      </p>
      <Link href="/" className="inline-block font-medium text-brand-600 underline">
        Back to the shop
      </Link>
    </section>
  );
}
