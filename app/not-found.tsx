import Link from "next/link";

export default function NotFound() {
  return (
    <main id="main" className="mx-auto w-full max-w-shop flex-1 px-4 py-8 sm:px-6">
      <section className="rounded-lg border border-paper-line bg-paper p-8">
        <h1 className="text-2xl font-semibold">Page not found</h1>
        <p className="mt-2 text-ink-muted">We could not find what you were looking for.</p>
        <Link href="/" className="mt-4 inline-block font-medium text-brand-600 underline">
          Back to the shop
        </Link>
      </section>
    </main>
  );
}
