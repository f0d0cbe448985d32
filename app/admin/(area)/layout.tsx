import Link from "next/link";
import type { ReactNode } from "react";
import { signOutAction } from "@/lib/actions/admin";
import { requireMerchantPage } from "@/lib/server/auth";

/** The merchant area's own pages, in the header's order. */
const MERCHANT_PAGES = [
  { href: "/admin", label: "Orders" },
  { href: "/admin/products", label: "Products" },
  { href: "/admin/attention", label: "Needs attention" },
];

export default async function MerchantAreaLayout({ children }: { children: ReactNode }) {
  // Signed in is enough here: each page checks its own permission (and a required second factor).
  const merchant = await requireMerchantPage("orders.read", { enrolling: true });
  return (
    <>
      <header className="border-b border-paper-line bg-ink text-white">
        <div className="mx-auto flex max-w-shop items-center justify-between px-4 py-3 sm:px-6">
          <Link href="/admin" className="font-semibold">
            Lumen Goods · Merchant
          </Link>
          <nav aria-label="Merchant">
            <ul className="flex items-center gap-5 text-sm">
              {MERCHANT_PAGES.map(({ href, label }) => (
                <li key={href}>
                  <Link href={href} className="hover:underline">
                    {label}
                  </Link>
                </li>
              ))}
              <li>
                <form action={signOutAction}>
                  <button type="submit" className="rounded border border-white/40 px-2 py-1 hover:bg-white/10">
                    Sign out
                  </button>
                </form>
              </li>
            </ul>
          </nav>
        </div>
      </header>
      <main id="main" className="mx-auto w-full max-w-shop flex-1 px-4 py-8 sm:px-6">
        {children}
      </main>
    </>
  );
}
