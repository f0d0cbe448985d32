export default function HomePage() {
  return (
    <section aria-labelledby="welcome" className="rounded-lg border border-paper-line bg-paper p-8">
      <h1 id="welcome" className="text-3xl font-semibold tracking-tight">
        Welcome to Lumen Goods
      </h1>
      <p className="mt-3 max-w-prose text-ink-muted">
        Our catalog is on its way. Every order here is priced on our server and paid in crypto
        on PayRam&apos;s payment page.
      </p>
    </section>
  );
}
