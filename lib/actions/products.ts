"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { productIdSchema, setProductActive } from "../catalog";
import { createProduct, deleteProduct, EMPTY_FORM, productFormInput, updateProduct, type FieldErrors, type ProductFormValues } from "../catalog/editor";
import { guard } from "./guard";

const NOT_SIGNED_IN = "Your session has ended. Please sign in again (what you typed is still here).";

export type ProductFormState = {
  fieldErrors: FieldErrors;
  values: ProductFormValues;
  /** Shown above the form: a summary of a refusal, or that the save worked. */
  message: string | null;
  saved: boolean;
};

/** What an edit changed, field by field: "price_cents: 1200 -> 1500; name: A -> B". */
function describeChange(before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined): string {
  if (!before || !after) return "saved";
  const changed = Object.keys(after).filter((key) => key !== "updated_at" && String(before[key]) !== String(after[key]));
  return changed.length === 0 ? "saved, nothing changed" : changed.map((key) => `${key}: ${String(before[key]).slice(0, 200)} -> ${String(after[key]).slice(0, 200)}`).join("; ");
}

/** The shop reads products on every request; this drops whatever Next rendered of them before. */
function shopChanged() {
  revalidatePath("/", "layout");
}

const merchant = <State>(signedOut: State, action: string, refusedState: (why: string) => State) => ({ signedOut, permission: "catalog.edit" as const, action, refused: refusedState });

const refused = (values: ProductFormValues, fieldErrors: FieldErrors, message?: string): ProductFormState => ({
  fieldErrors,
  values,
  saved: false,
  message: message ?? `The product was not saved: ${Object.keys(fieldErrors).length === 1 ? "a field needs" : "some fields need"} your attention.`,
});

export async function createProductAction(state: ProductFormState, formData: FormData): Promise<ProductFormState> {
  const rules = {
    merchant: merchant({ ...state, saved: false, message: NOT_SIGNED_IN }, "product.create", (why) => ({ ...state, saved: false, message: why })),
    input: productFormInput,
    invalid: (): ProductFormState => refused(EMPTY_FORM, {}, "The form could not be read. Please try again."),
  };
  return guard(rules, formData, async (input, { db, audit }) => {
    const outcome = await createProduct(db, input);
    await audit({ action: "product.create", outcome: outcome.ok ? "done" : "refused", productId: outcome.ok ? String(outcome.productId) : null, detail: outcome.ok ? `created ${String(input.name ?? "")}` : (outcome.message ?? "the form needs attention") });
    if (!outcome.ok) return refused(outcome.values, outcome.fieldErrors, outcome.message);
    shopChanged();
    redirect(`/admin/products/${outcome.productId}?created=1`);
  });
}

export async function updateProductAction(state: ProductFormState, formData: FormData): Promise<ProductFormState> {
  const rules = {
    merchant: merchant({ ...state, saved: false, message: NOT_SIGNED_IN }, "product.update", (why) => ({ ...state, saved: false, message: why })),
    input: productFormInput.extend({ productId: productIdSchema.nullable().catch(null) }),
    invalid: (): ProductFormState => refused(state.values, {}, "The form could not be read. Please try again."),
  };
  return guard(rules, formData, async ({ productId, ...input }, { db, audit }) => {
    if (productId === null) return refused(state.values, {}, "This product no longer exists.");
    const before = await db.selectFrom("products").selectAll().where("id", "=", productId).executeTakeFirst();
    const outcome = await updateProduct(db, productId, input);
    const after = await db.selectFrom("products").selectAll().where("id", "=", productId).executeTakeFirst();
    await audit({ action: "product.update", outcome: outcome.ok ? "done" : "refused", productId: String(productId), detail: outcome.ok ? describeChange(before, after) : (outcome.message ?? "the form needs attention") });
    if (!outcome.ok) return refused(outcome.values, outcome.fieldErrors, outcome.message);
    shopChanged();
    return { fieldErrors: {}, values: outcome.values, saved: true, message: "Saved. The shop shows the change now." };
  });
}

export type ProductStatusState = { message: string | null; error: string | null };

export async function setProductActiveAction(_state: ProductStatusState, formData: FormData): Promise<ProductStatusState> {
  const rules = {
    merchant: merchant({ message: null, error: NOT_SIGNED_IN }, "product.archive", (why): ProductStatusState => ({ message: null, error: why })),
    input: z.object({ productId: productIdSchema, active: z.enum(["0", "1"]) }),
    invalid: (): ProductStatusState => ({ message: null, error: "Unknown product." }),
  };
  return guard(rules, formData, async ({ productId, active }, { db, audit }) => {
    const done = await setProductActive(db, productId, active === "1");
    await audit({ action: active === "1" ? "product.restore" : "product.archive", outcome: done ? "done" : "refused", productId: String(productId), detail: done ? (active === "1" ? "archived -> on sale" : "on sale -> archived") : "no such product" });
    if (!done) return { message: null, error: "This product no longer exists." };
    shopChanged();
    return { message: active === "1" ? "Restored: the shop sells it again." : "Archived: the shop no longer shows it.", error: null };
  });
}

export async function deleteProductAction(_state: ProductStatusState, formData: FormData): Promise<ProductStatusState> {
  const rules = {
    merchant: merchant({ message: null, error: NOT_SIGNED_IN }, "product.delete", (why): ProductStatusState => ({ message: null, error: why })),
    input: z.object({ productId: productIdSchema }),
    invalid: (): ProductStatusState => ({ message: null, error: "Unknown product." }),
  };
  return guard(rules, formData, async ({ productId }, { db, audit }) => {
    const before = await db.selectFrom("products").select(["name", "slug"]).where("id", "=", productId).executeTakeFirst();
    const outcome = await deleteProduct(db, productId);
    await audit({ action: "product.delete", outcome: outcome.ok ? "done" : "refused", productId: String(productId), detail: outcome.ok ? `deleted ${before?.name ?? productId}` : outcome.message });
    shopChanged();
    if (!outcome.ok) return { message: null, error: outcome.message };
    redirect("/admin/products?deleted=1");
  });
}
