import Link from "next/link";

export function SiteHeader() {
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
          </ul>
        </nav>
      </div>
    </header>
  );
}
