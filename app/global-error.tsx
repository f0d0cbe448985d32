"use client";

import type { ErrorInfo } from "next/error";
import { NextIntlClientProvider } from "next-intl";
import { ErrorNotice } from "@/components/error-notice";
import en from "@/messages/en.json";
import "./globals.css";

/** An error in the root layout itself: this replaces it, so it renders the document and loads the styles. */
export default function GlobalError({ error, retry }: ErrorInfo) {
  return (
    <html lang="en">
      <body className="flex min-h-screen flex-col bg-paper-subtle font-sans text-ink antialiased">
        <title>Something went wrong · Lumen Goods</title>
        <main id="main" className="mx-auto w-full max-w-shop flex-1 px-4 py-8 sm:px-6">
          {/* The root layout (and its language) failed: English. */}
          <NextIntlClientProvider locale="en" messages={{ Error: en.Error, NotFound: en.NotFound }}>
            <ErrorNotice error={error} retry={retry} />
          </NextIntlClientProvider>
        </main>
      </body>
    </html>
  );
}
