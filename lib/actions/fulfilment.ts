"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { orderIdSchema } from "../orders";
import { describeShipped, markShipped } from "../orders/fulfilment";
import { checkShipForm, EMPTY_SHIP_FORM, shipFormInput, type ShipFieldErrors, type ShipFormValues } from "../rules/ship-form";
import { guard } from "./guard";

export type ShipFormState = {
  values: ShipFormValues;
  fieldErrors: ShipFieldErrors;
  /** A refusal's summary, or what was done (`done`). */
  message: string | null;
  done: boolean;
};

const NOT_SIGNED_IN = "Your session has ended. Please sign in again (what you typed is still here).";

// Loose: the line checkboxes are named line-<position>, one name each.
const shipActionInput = z.looseObject({ orderId: orderIdSchema }).transform(({ orderId, ...fields }) => ({ orderId, values: shipFormInput.parse(fields) }));

/** Marks the chosen physical lines of a paid order shipped (lib/orders/fulfilment.ts markShipped). */
export async function markShippedAction(state: ShipFormState, formData: FormData): Promise<ShipFormState> {
  const rules = {
    merchant: { signedOut: { ...state, done: false, message: NOT_SIGNED_IN }, permission: "orders.ship" as const, action: "order.ship", refused: (why: string): ShipFormState => ({ ...state, done: false, message: why }) },
    input: shipActionInput,
    invalid: (): ShipFormState => ({ ...state, fieldErrors: {}, done: false, message: "Unknown order." }),
  };
  return guard(rules, formData, async ({ orderId, values }, { db, audit }) => {
    const checked = checkShipForm(values);
    if (!checked.ok) {
      const count = Object.keys(checked.fieldErrors).length;
      return { values, fieldErrors: checked.fieldErrors, done: false, message: `Nothing was marked shipped: ${count === 1 ? "a field needs" : "some fields need"} your attention.` };
    }
    const result = await markShipped(db, orderId, checked.positions, checked.shipment);
    await audit({ action: "order.ship", outcome: result.ok ? "done" : "refused", orderId, detail: result.ok ? describeShipped(result) : result.error });
    if (!result.ok) return { values, fieldErrors: {}, done: false, message: result.error };
    revalidatePath(`/admin/orders/${orderId}`);
    revalidatePath(`/orders/${orderId}`);
    return { values: EMPTY_SHIP_FORM, fieldErrors: {}, done: true, message: describeShipped(result) };
  });
}
