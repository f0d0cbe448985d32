"use client";

import type { ErrorInfo } from "next/error";
import { usePathname } from "next/navigation";
import { useTranslations } from "next-intl";
import { WayBack } from "./way-back";

/** A server error's digest: the reference the server's log prints with it. Errors thrown in the browser have none. */
function referenceOf(error: unknown): string | null {
  return error instanceof Error && "digest" in error && typeof error.digest === "string" ? error.digest : null;
}

/**
 * What app/error.tsx and app/global-error.tsx show: what happened, a retry and a way out, for the
 * shopper or (under /admin) the merchant. Never the error's message or stack.
 */
export function ErrorNotice({ error, retry }: Pick<ErrorInfo, "error" | "retry">) {
  const merchant = usePathname()?.startsWith("/admin") ?? false;
  const reference = referenceOf(error);
  const t = useTranslations("Error");
  return (
    <section aria-labelledby="error-title" className="rounded-lg border border-paper-line bg-paper p-8">
      <h1 id="error-title" className="text-2xl font-semibold">
        {t("title")}
      </h1>
      <p className="mt-2 text-ink-muted">{t("body")}</p>
      {!merchant && (
        <p className="mt-2 text-ink-muted">
          {t("safe")}
        </p>
      )}
      {reference && (
        <p className="mt-2 text-sm text-ink-muted">
          {merchant ? "The server's log names this error by its reference: " : t("reference")}
          <code className="font-mono text-ink" data-testid="error-reference">
            {reference}
          </code>
        </p>
      )}
      <div className="mt-6 flex flex-wrap items-center gap-4">
        <button type="button" onClick={() => retry()} className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
          {t("retry")}
        </button>
        <WayBack merchant={merchant} />
      </div>
    </section>
  );
}
