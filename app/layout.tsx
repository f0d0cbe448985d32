import type { Metadata } from "next";
import type { ReactNode } from "react";
import "./globals.css";

// Every page reads the server-held cart, a session or the database.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: { default: "Lumen Goods", template: "%s · Lumen Goods" },
  description: "Thoughtful goods, paid in crypto through PayRam.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="flex min-h-screen flex-col bg-paper-subtle font-sans text-ink antialiased">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-50 focus:rounded focus:bg-paper focus:px-3 focus:py-2"
        >
          Skip to content
        </a>
        {children}
      </body>
    </html>
  );
}
