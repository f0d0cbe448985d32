"use client";

import { useEffect, useState } from "react";
import { useTranslations } from "next-intl";

/** Shown from this long before the payment's expiry. */
export const COUNTDOWN_FROM_MS = 15 * 60_000;

/**
 * The time left to pay, once fewer than 15 minutes remain, and what happens at zero. Rendered
 * in the browser only (the server does not know the shopper's clock): nothing until mounted.
 */
export function Countdown({ expiresAt }: { expiresAt: string }) {
  const t = useTranslations("Payment");
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    const tick = () => setNow(Date.now());
    tick();
    const timer = setInterval(tick, 1_000);
    return () => clearInterval(timer);
  }, []);
  if (now === null) return null;
  const left = Date.parse(expiresAt) - now;
  if (!(left < COUNTDOWN_FROM_MS)) return null;
  if (left <= 0) {
    return (
      <p className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm font-medium text-warn" data-testid="countdown">
        {t("expiredNow")}
      </p>
    );
  }
  const seconds = Math.ceil(left / 1_000);
  const time = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  return (
    <div className="space-y-1 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm" data-testid="countdown">
      <p className="font-semibold text-warn">
        <span className="tabular-nums">{t("countdown", { time })}</span>
      </p>
      <p className="text-ink">{t("atZero")}</p>
    </div>
  );
}
