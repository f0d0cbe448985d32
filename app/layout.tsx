import type { Metadata } from "next";
import type { ReactNode } from "react";
import { NextIntlClientProvider } from "next-intl";
import { getLocale, getTranslations } from "next-intl/server";
import { direction, localeOr } from "@/lib/rules/locales";
import { loadConfig } from "@/lib/config";
import "./globals.css";

// Every page reads the server-held cart, a session or the database.
export const dynamic = "force-dynamic";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("Meta");
  return {
    metadataBase: new URL(loadConfig().appBaseUrl),
    title: { default: "Lumen Goods", template: "%s · Lumen Goods" },
    description: t("description"),
  };
}

/** The page's language and direction come from the server (proxy.ts settles them): no flash, right-to-left for Arabic. */
export default async function RootLayout({ children }: { children: ReactNode }) {
  const locale = localeOr(await getLocale());
  const t = await getTranslations("Meta");
  return (
    <html lang={locale} dir={direction(locale)}>
      <body className="flex min-h-screen flex-col bg-paper-subtle font-sans text-ink antialiased">
        <NextIntlClientProvider>
          <a
            href="#main"
            className="sr-only focus:not-sr-only focus:absolute focus:start-4 focus:top-4 focus:z-50 focus:rounded focus:bg-paper focus:px-3 focus:py-2"
          >
            {t("skip")}
          </a>
          {children}
        </NextIntlClientProvider>
      </body>
    </html>
  );
}
