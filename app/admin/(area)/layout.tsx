import Link from "next/link";
import type { ReactNode } from "react";
import { SecondFactorMethodsProvider } from "@/components/admin/step-up-field";
import { signOutAction } from "@/lib/actions/admin";
import { requireMerchantPage } from "@/lib/server/auth";
import { can, type Permission } from "@/lib/rules/roles";

/** The merchant area's own pages, in the header's order. */
const MERCHANT_PAGES = [
  { href: "/admin", label: "Orders", permission: "orders.read" },
  { href: "/admin/products", label: "Products", permission: "catalog.edit" },
  { href: "/admin/attention", label: "Needs attention", permission: "orders.read" },
  { href: "/admin/audit", label: "Audit log", permission: "audit.read" },
  { href: "/admin/people", label: "People", permission: "people.manage" },
  { href: "/admin/security", label: "Security", permission: "account.own" },
] as const satisfies readonly { href: string; label: string; permission: Permission }[];

export default async function MerchantAreaLayout({ children }: { children: ReactNode }) {
  // Signed in is enough here: each page checks its own permission (and a required second factor).
  const merchant = await requireMerchantPage("orders.read", { enrolling: true });
  return (
    <SecondFactorMethodsProvider methods={merchant.secondFactor}>
      <header className="border-b border-paper-line bg-ink text-white">
        <div className="mx-auto flex max-w-shop items-center justify-between px-4 py-3 sm:px-6">
          <Link href="/admin" className="font-semibold">
            Lumen Goods · Merchant
          </Link>
          <nav aria-label="Merchant">
            <ul className="flex items-center gap-5 text-sm">
              {MERCHANT_PAGES.filter(({ permission }) => can(merchant.person.role, permission)).map(({ href, label }) => (
                <li key={href}>
                  <Link href={href} className="hover:underline">
                    {label}
                  </Link>
                </li>
              ))}
              <li className="text-white/70" data-testid="signed-in-as">
                {merchant.person.email}
              </li>
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
    </SecondFactorMethodsProvider>
  );
}
