import { WayBack } from "@/components/way-back";

export default function AdminProductNotFound() {
  return (
    <section className="rounded-xl border border-paper-line bg-paper p-8">
      <h1 className="text-2xl font-semibold">Product not found</h1>
      <p className="mt-2 text-ink-muted">No product has this id: it may have been deleted. The products list shows every product, archived ones too.</p>
      <div className="mt-4">
        <WayBack merchant />
      </div>
    </section>
  );
}
