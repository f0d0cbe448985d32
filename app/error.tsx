"use client";

import type { ErrorInfo } from "next/error";
import { ErrorNotice } from "@/components/error-notice";

/** An unexpected error below the root layout. It replaces the shop's or merchant's layout too, so it brings its own <main>. */
export default function ErrorPage({ error, retry }: ErrorInfo) {
  return (
    <main id="main" className="mx-auto w-full max-w-shop flex-1 px-4 py-8 sm:px-6">
      <ErrorNotice error={error} retry={retry} />
    </main>
  );
}
