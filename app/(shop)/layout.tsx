import type { Metadata } from "next";
import { headers } from "next/headers";
import type { ReactNode } from "react";
import { SiteFooter } from "@/components/site-footer";
import { SiteHeader } from "@/components/site-header";
import { isLocalizedPath, localizedPath, LOCALES } from "@/lib/rules/locales";
import { currentCart } from "@/lib/server/reads";

/** The shop's pages in every language (hreflang), for those that carry it in their URL. */
export async function generateMetadata(): Promise<Metadata> {
  const path = (await headers()).get("x-page-path") ?? "";
  if (!isLocalizedPath(path)) return {};
  return { alternates: { languages: { ...Object.fromEntries(LOCALES.map((locale) => [locale, localizedPath(locale, path)])), "x-default": path } } };
}

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
