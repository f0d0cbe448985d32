import Link from "next/link";

/** `itemCount`: pieces in the shopper's cart, read by the layout. */
export function SiteHeader({ itemCount }: { itemCount: number }) {
  return (
    <header className="border-b border-paper-line bg-paper">
      <div className="mx-auto flex max-w-shop items-center justify-between px-4 py-4 sm:px-6">
        <Link href="/" className="text-lg font-semibold tracking-tight text-ink">
          Lumen Goods
        </Link>
        <nav aria-label="Main">
          <ul className="flex items-center gap-6 text-sm font-medium text-ink-muted">
            <li>
              <Link href="/" className="hover:text-ink">
                Shop
              </Link>
            </li>
            <li>
              <Link href="/cart" className="inline-flex items-center gap-2 hover:text-ink">
                Cart
                <span
                  data-testid="cart-count"
                  className="inline-flex min-w-6 justify-center rounded-full bg-brand-600 px-1.5 py-0.5 text-xs font-semibold text-white tabular-nums"
                >
                  {itemCount}
                </span>
                <span className="sr-only">{itemCount === 1 ? "item" : "items"}</span>
              </Link>
            </li>
          </ul>
        </nav>
      </div>
    </header>
  );
}
