"use client";

import Link from "next/link";
import { useActionState } from "react";
import { useLocale, useTranslations } from "next-intl";
import { localeOr, localizedPath } from "@/lib/rules/locales";
import { addToCartAction, type CartActionState } from "@/lib/actions/cart";
import { Field } from "@/components/field";

/** stock: pieces that can be bought (null: not tracked); 0 shows "Sold out" and no button. */
export function AddToCartForm({ productId, stock }: { productId: number; stock: number | null }) {
  const [state, action, pending] = useActionState<CartActionState, FormData>(addToCartAction, { status: "idle" });
  const t = useTranslations("Product");
  const locale = localeOr(useLocale());
  if (stock === 0) {
    return (
      <p className="rounded-md border border-paper-line bg-paper-subtle px-4 py-3 font-semibold text-ink-muted" data-testid="sold-out">
        {t("soldOut")}
      </p>
    );
  }
  return (
    <form action={action} className="space-y-3">
      <input type="hidden" name="productId" value={productId} />
      <div className="flex items-end gap-3">
        <Field id="quantity" label={t("quantity")}>
          <input
            id="quantity"
            name="quantity"
            type="number"
            inputMode="numeric"
            min={1}
            max={Math.min(99, stock ?? 99)}
            step={1}
            defaultValue={1}
            required
            className="mt-1 w-20 rounded-md border border-paper-line px-3 py-2 tabular-nums"
          />
        </Field>
        <button
          type="submit"
          disabled={pending}
          className="rounded-md bg-brand-600 px-5 py-2.5 font-semibold text-white hover:bg-brand-700 disabled:opacity-60"
        >
          {pending ? t("adding") : t("addToCart")}
        </button>
      </div>
      <p role="status" aria-live="polite" className="min-h-6 text-sm">
        {state.status === "ok" && (
          <span className="text-ok">
            {state.message}{" "}
            <Link href={localizedPath(locale, "/cart")} className="font-medium underline">
              {t("viewCart")}
            </Link>
          </span>
        )}
        {state.status === "error" && <span className="text-bad">{state.message}</span>}
      </p>
    </form>
  );
}
