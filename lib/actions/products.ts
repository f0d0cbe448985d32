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

/** The shop reads products on every request; this drops whatever Next rendered of them before. */
function shopChanged() {
  revalidatePath("/", "layout");
}

const refused = (values: ProductFormValues, fieldErrors: FieldErrors, message?: string): ProductFormState => ({
  fieldErrors,
  values,
  saved: false,
  message: message ?? `The product was not saved: ${Object.keys(fieldErrors).length === 1 ? "a field needs" : "some fields need"} your attention.`,
});

export async function createProductAction(state: ProductFormState, formData: FormData): Promise<ProductFormState> {
  const rules = {
    merchant: { signedOut: { ...state, saved: false, message: NOT_SIGNED_IN } },
    input: productFormInput,
    invalid: (): ProductFormState => refused(EMPTY_FORM, {}, "The form could not be read. Please try again."),
  };
  return guard(rules, formData, async (input, { db }) => {
    const outcome = await createProduct(db, input);
    if (!outcome.ok) return refused(outcome.values, outcome.fieldErrors, outcome.message);
    shopChanged();
    redirect(`/admin/products/${outcome.productId}?created=1`);
  });
}

export async function updateProductAction(state: ProductFormState, formData: FormData): Promise<ProductFormState> {
  const rules = {
    merchant: { signedOut: { ...state, saved: false, message: NOT_SIGNED_IN } },
    input: productFormInput.extend({ productId: productIdSchema.nullable().catch(null) }),
    invalid: (): ProductFormState => refused(state.values, {}, "The form could not be read. Please try again."),
  };
  return guard(rules, formData, async ({ productId, ...input }, { db }) => {
    if (productId === null) return refused(state.values, {}, "This product no longer exists.");
    const outcome = await updateProduct(db, productId, input);
    if (!outcome.ok) return refused(outcome.values, outcome.fieldErrors, outcome.message);
    shopChanged();
    return { fieldErrors: {}, values: outcome.values, saved: true, message: "Saved. The shop shows the change now." };
  });
}

export type ProductStatusState = { message: string | null; error: string | null };

export async function setProductActiveAction(_state: ProductStatusState, formData: FormData): Promise<ProductStatusState> {
  const rules = {
    merchant: { signedOut: { message: null, error: NOT_SIGNED_IN } },
    input: z.object({ productId: productIdSchema, active: z.enum(["0", "1"]) }),
    invalid: (): ProductStatusState => ({ message: null, error: "Unknown product." }),
  };
  return guard(rules, formData, async ({ productId, active }, { db }) => {
    if (!(await setProductActive(db, productId, active === "1"))) return { message: null, error: "This product no longer exists." };
    shopChanged();
    return { message: active === "1" ? "Restored: the shop sells it again." : "Archived: the shop no longer shows it.", error: null };
  });
}

export async function deleteProductAction(_state: ProductStatusState, formData: FormData): Promise<ProductStatusState> {
  const rules = {
    merchant: { signedOut: { message: null, error: NOT_SIGNED_IN } },
    input: z.object({ productId: productIdSchema }),
    invalid: (): ProductStatusState => ({ message: null, error: "Unknown product." }),
  };
  return guard(rules, formData, async ({ productId }, { db }) => {
    const outcome = await deleteProduct(db, productId);
    shopChanged();
    if (!outcome.ok) return { message: null, error: outcome.message };
    redirect("/admin/products?deleted=1");
  });
}
