import type { ReactNode } from "react";
import { SiteFooter } from "@/components/site-footer";
import { SiteHeader } from "@/components/site-header";
import { currentCart } from "@/lib/server/reads";

export default async function ShopLayout({ children }: { children: ReactNode }) {
  const { itemCount } = await currentCart();
  return (
    <>
      <SiteHeader itemCount={itemCount} />
      <main id="main" className="mx-auto w-full max-w-shop flex-1 px-4 py-8 sm:px-6">
        {children}
      </main>
      <SiteFooter />
    </>
  );
}
