import type { ReactNode } from "react";
import { SiteFooter } from "@/components/site-footer";
import { SiteHeader } from "@/components/site-header";
import { getCart } from "@/lib/cart";
import { readCartId } from "@/lib/cart/cookie";
import { getDb } from "@/lib/server/db";

export default async function ShopLayout({ children }: { children: ReactNode }) {
  const { itemCount } = await getCart(getDb(), await readCartId());
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
