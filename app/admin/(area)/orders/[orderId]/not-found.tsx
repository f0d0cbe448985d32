import { WayBack } from "@/components/way-back";

export default function AdminOrderNotFound() {
  return (
    <section className="rounded-xl border border-paper-line bg-paper p-8">
      <h1 className="text-2xl font-semibold">Order not found</h1>
      <p className="mt-2 text-ink-muted">No order has this id. The orders list finds an order by its number, the shopper&apos;s email or its PayRam reference.</p>
      <div className="mt-4">
        <WayBack merchant />
      </div>
    </section>
  );
}
