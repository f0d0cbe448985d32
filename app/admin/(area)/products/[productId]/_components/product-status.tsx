"use client";

import { useActionState } from "react";
import { deleteProductAction, setProductActiveAction, type ProductStatusState } from "@/lib/actions/products";
import { ActionOutcome } from "@/components/admin/action-outcome";
import { confirmFirst } from "@/components/admin/confirm-first";

const idle: ProductStatusState = { message: null, error: null };

/** Archive / Restore, and Delete while no order names the product. */
export function ProductStatus({ productId, name, active, deletable }: { productId: number; name: string; active: boolean; deletable: boolean }) {
  const [activeState, setActive, settingActive] = useActionState(setProductActiveAction, idle);
  const [deleteState, remove, deleting] = useActionState(deleteProductAction, idle);
  return (
    <div className="space-y-3">
      <p className="text-sm">
        Status:{" "}
        <strong data-testid="product-status">{active ? "Active (sold in the shop)" : "Archived (not sold)"}</strong>
      </p>
      <form action={setActive}>
        <input type="hidden" name="productId" value={productId} />
        <input type="hidden" name="active" value={active ? "0" : "1"} />
        <button type="submit" disabled={settingActive} className="rounded-md border border-paper-line bg-paper px-4 py-2 font-medium hover:bg-paper-subtle disabled:opacity-70">
          {active ? "Archive" : "Restore"}
          <span className="sr-only"> {name}</span>
        </button>
      </form>
      <ActionOutcome message={activeState.message} error={activeState.error} />
      {deletable ? (
        <form action={remove} onSubmit={confirmFirst(`Delete ${name} for good? Carts holding it lose it.`)}>
          <input type="hidden" name="productId" value={productId} />
          <button type="submit" disabled={deleting} className="rounded-md border border-bad/40 px-4 py-2 font-medium text-bad hover:bg-red-50 disabled:opacity-70">
            Delete<span className="sr-only"> {name}</span>
          </button>
        </form>
      ) : (
        <p className="text-sm text-ink-muted">Orders name this product, so it cannot be deleted; archive it to stop selling it.</p>
      )}
      <ActionOutcome message={deleteState.message} error={deleteState.error} />
    </div>
  );
}
