import { WayBack } from "@/components/way-back";

/** An order id that names no order: most often a link cut short or mistyped. */
export default function OrderNotFound() {
  return (
    <section className="rounded-lg border border-paper-line bg-paper p-8">
      <h1 className="text-2xl font-semibold">Order not found</h1>
      <p className="mt-2 text-ink-muted">There is no order at this address. An order&apos;s link is long and private: check that the whole of it was copied.</p>
      <p className="mt-2 text-ink-muted">A link that does not work changes nothing about any order or payment.</p>
      <div className="mt-4 flex flex-wrap gap-4">
        <WayBack />
      </div>
    </section>
  );
}
