export function SiteFooter() {
  return (
    <footer className="border-t border-paper-line bg-paper">
      <div className="mx-auto flex max-w-shop flex-col gap-1 px-4 py-6 text-sm text-ink-muted sm:flex-row sm:justify-between sm:px-6">
        <p>Lumen Goods — a demo storefront.</p>
        <p>Payments in crypto through PayRam, self-hosted by the merchant.</p>
      </div>
    </footer>
  );
}
