"use client";

import { useState } from "react";
import { useTranslations } from "next-intl";

/**
 * Copies the text of the field `targetId` holds, and says so. Without the clipboard API (an
 * insecure origin, an old browser, a refused permission) it selects the field's text instead, so
 * that the shopper's own copy takes exactly it.
 */
export function CopyButton({ targetId, label, testId }: { targetId: string; label: string; testId?: string }) {
  const t = useTranslations("Payment");
  const [done, setDone] = useState<"copied" | "selected" | null>(null);
  const copy = async () => {
    const field = document.getElementById(targetId) as HTMLInputElement | null;
    if (!field) return;
    try {
      if (!navigator.clipboard?.writeText) throw new Error("no clipboard");
      await navigator.clipboard.writeText(field.value);
      setDone("copied");
    } catch {
      field.focus();
      field.select();
      setDone("selected");
    }
  };
  return (
    <>
      <button type="button" onClick={() => void copy()} aria-label={label} data-testid={testId} className="shrink-0 rounded-md border border-paper-line px-3 py-2 text-sm font-medium hover:bg-paper-subtle">
        {done === "copied" ? t("copied") : t("copy")}
      </button>
      <span role="status" className="sr-only">
        {done === "copied" ? t("copied") : done === "selected" ? t("selected") : ""}
      </span>
      {done === "selected" && <span className="basis-full text-xs text-ink-muted">{t("selected")}</span>}
    </>
  );
}
