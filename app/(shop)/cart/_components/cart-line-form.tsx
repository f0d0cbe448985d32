"use client";

import { useActionState } from "react";
import { useTranslations } from "next-intl";
import { removeFromCartAction, updateQuantityAction, type CartActionState } from "@/lib/actions/cart";

/** Quantity and removal for one cart line; each change goes to the server, which holds the cart. */
export function CartLineForm({
  productId,
  name,
  quantity,
  maxQuantity = null,
  unavailable = false,
}: {
  productId: number;
  name: string;
  quantity: number;
  /** What is in stock (null: not tracked). */
  maxQuantity?: number | null;
  unavailable?: boolean;
}) {
  const [state, update, pending] = useActionState<CartActionState, FormData>(updateQuantityAction, { status: "idle" });
  const inputId = `quantity-${productId}`;
  const t = useTranslations("Cart");
  const sr = (chunks: React.ReactNode) => <span className="sr-only">{chunks}</span>;
  return (
    <div className="flex flex-wrap items-end gap-3">
      {unavailable ? (
        <p className="text-sm text-bad">{t("unavailable")}</p>
      ) : (
        <form action={update} className="flex items-end gap-2">
          <input type="hidden" name="productId" value={productId} />
          <div>
            <label htmlFor={inputId} className="block text-xs font-medium text-ink-muted">
              {t.rich("quantityOf", { name, sr })}
            </label>
            <input
              id={inputId}
              name="quantity"
              type="number"
              inputMode="numeric"
              min={1}
              max={Math.max(1, Math.min(99, maxQuantity ?? 99))}
              step={1}
              defaultValue={quantity}
              key={quantity}
              required
              className="mt-1 w-20 rounded-md border border-paper-line px-2 py-1.5 tabular-nums"
            />
          </div>
          <button type="submit" disabled={pending} className="rounded-md border border-paper-line px-3 py-1.5 text-sm font-medium hover:bg-paper-subtle disabled:opacity-60">
            {t.rich("update", { name, sr })}
          </button>
        </form>
      )}
      <form action={removeFromCartAction}>
        <input type="hidden" name="productId" value={productId} />
        <button type="submit" className="rounded-md px-3 py-1.5 text-sm font-medium text-bad hover:bg-paper-subtle">
          {t.rich("remove", { name, sr })}
        </button>
      </form>
      <p role="status" aria-live="polite" className="w-full text-sm">
        {state.status === "error" && <span className="text-bad">{state.message}</span>}
      </p>
    </div>
  );
}
