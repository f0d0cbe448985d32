"use client";

import { unstable_rethrow } from "next/navigation";
import { useActionState, useState, type InputHTMLAttributes, type TextareaHTMLAttributes } from "react";
import { useFormStatus } from "react-dom";
import { describedBy, Field } from "@/components/field";
import { FieldError } from "@/components/field-error";
import { createProductAction, updateProductAction, type ProductFormState } from "@/lib/actions/products";
import type { FieldErrors, ProductField, ProductFormValues } from "@/lib/catalog/editor";
import { uploadSizeErrors } from "@/lib/rules/uploads";
import { DEFAULT_MAX_PER_ORDER, HIGHEST_MAX_PER_ORDER, UNPAID_HOLD_ORDERS } from "@/lib/rules/catalog";

/** What the merchant typed, from the form as sent (React empties a form once its action ends). */
function typedValues(formData: FormData, before: ProductFormValues): ProductFormValues {
  const text = (name: string) => {
    const value = formData.get(name);
    return typeof value === "string" ? value : "";
  };
  return { name: text("name"), slug: text("slug"), description: text("description"), price: text("price"), kind: text("kind") || before.kind, stock: text("stock"), maxPerOrder: text("maxPerOrder"), stockWas: before.stockWas, active: formData.get("active") !== null };
}

const fileSize = (formData: FormData, name: string) => {
  const file = formData.get(name);
  return typeof file === "string" || file === null ? 0 : file.size;
};

const LABELS: Record<ProductField, string> = {
  name: "Name",
  slug: "Slug",
  description: "Description",
  price: "Price (USD)",
  kind: "Kind",
  stock: "Stock",
  maxPerOrder: "Most per order",
  image: "Image",
  download: "Download file",
};

const inputClass = "mt-1 w-full rounded-md border border-paper-line px-3 py-2 aria-invalid:border-bad";

function TextField({
  name,
  error,
  hint,
  multiline = false,
  ...input
}: { name: ProductField; error?: string; hint?: string; multiline?: boolean } & InputHTMLAttributes<HTMLInputElement> & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const id = `product-${name}`;
  const common = { id, name, "aria-invalid": error ? true : undefined, "aria-describedby": describedBy(id, error, hint), className: inputClass };
  return (
    <Field id={id} label={LABELS[name]} error={error} hint={hint}>
      {multiline ? <textarea {...common} {...input} /> : <input {...common} {...input} />}
    </Field>
  );
}

function SaveButton({ label }: { label: string }) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" disabled={pending} className="rounded-md bg-brand-600 px-5 py-2.5 font-semibold text-white hover:bg-brand-700 disabled:cursor-wait disabled:opacity-70">
      {pending ? "Saving…" : label}
    </button>
  );
}

/**
 * Sends each chosen file to the merchant's upload route first (server actions take 1 MB at most)
 * and puts its ref in the form instead. The field errors of files the route refused, or a message
 * when it could not be reached.
 */
async function uploadFiles(formData: FormData): Promise<{ fieldErrors: FieldErrors; message?: string }> {
  const fieldErrors: FieldErrors = {};
  for (const kind of ["image", "download"] as const) {
    const file = formData.get(kind);
    if (typeof file === "string" || file === null || file.size === 0) continue;
    let response: Response;
    try {
      response = await fetch(`/admin/api/uploads?kind=${kind}`, { method: "POST", body: file, headers: { "X-Upload-Name": encodeURIComponent(file.name) } });
    } catch {
      return { fieldErrors, message: "The product was not saved: the server could not take the files. Please try again (what you typed is still here)." };
    }
    const answer = (await response.json().catch(() => ({}))) as { ref?: string; name?: string; error?: string };
    if (response.status === 401) return { fieldErrors, message: "Your session has ended. Please sign in again (what you typed is still here)." };
    if (!response.ok || !answer.ref) {
      fieldErrors[kind] = answer.error ?? "The file could not be uploaded. Please try again.";
      continue;
    }
    formData.set(kind, answer.ref);
    if (kind === "download") formData.set("downloadName", answer.name ?? file.name);
  }
  return { fieldErrors };
}

export interface ProductFormProps {
  /** Absent: "New product". */
  productId?: number;
  initial: ProductFormValues;
  /** The current image's URL (edit). */
  image?: string;
  /** The current download file's name (edit, digital products). */
  downloadName?: string | null;
  /** A status line to show first (e.g. "Product created."). */
  notice?: string;
}

export function ProductForm({ productId, initial, image, downloadName, notice }: ProductFormProps) {
  const editing = productId !== undefined;
  const save = editing ? updateProductAction : createProductAction;
  // A file over its limit is refused here, before it is sent; the files go to the upload route
  // first (its refusals are field errors), then the form with their refs to the action (1 MB at
  // most). A request the server could not answer at all is reported above the form. Either way
  // what was typed stays.
  const [state, action] = useActionState<ProductFormState, FormData>(async (previous, formData) => {
    const values = typedValues(formData, previous.values);
    const tooLarge = uploadSizeErrors({ image: fileSize(formData, "image"), download: fileSize(formData, "download") });
    if (Object.keys(tooLarge).length > 0) return { fieldErrors: tooLarge, values, saved: false, message: `The product was not saved: ${Object.keys(tooLarge).length === 1 ? "a field needs" : "some fields need"} your attention.` };
    const uploaded = await uploadFiles(formData);
    const uploadErrors = Object.keys(uploaded.fieldErrors).length;
    if (uploaded.message || uploadErrors > 0) return { fieldErrors: uploaded.fieldErrors, values, saved: false, message: uploaded.message ?? `The product was not saved: ${uploadErrors === 1 ? "a field needs" : "some fields need"} your attention.` };
    try {
      return await save(previous, formData);
    } catch (error) {
      unstable_rethrow(error); // a redirect (the product was created) goes on
      return { fieldErrors: {}, values, saved: false, message: "The product was not saved: the server could not take the form. Please try again (what you typed is still here)." };
    }
  }, {
    fieldErrors: {},
    values: initial,
    message: notice ?? null,
    saved: notice !== undefined,
  });
  const [kind, setKind] = useState(state.values.kind);
  const errors: FieldErrors = state.fieldErrors;
  const values = state.values;
  const errorList = (Object.keys(LABELS) as ProductField[]).filter((field) => errors[field]);

  const imageHint = `PNG, JPEG or WebP, up to 2 MB.${editing ? " Leave empty to keep the current image." : ""}`;
  const downloadHint = `What a buyer downloads: any file, up to 8 MB.${downloadName ? ` Now: ${downloadName}. Leave empty to keep it.` : " None yet."}`;

  return (
    <form action={action} noValidate className="space-y-6 rounded-xl border border-paper-line bg-paper p-6">
      {productId !== undefined && <input type="hidden" name="productId" value={productId} />}
      <input type="hidden" name="stockWas" value={values.stockWas} />

      {errorList.length > 0 ? (
        <div role="alert" className="rounded-md border border-bad/30 bg-red-50 p-4 text-sm text-bad" data-testid="form-errors">
          <p className="font-medium">{state.message ?? "Some fields need your attention."}</p>
          <ul className="mt-2 list-disc pl-5">
            {errorList.map((name) => (
              <li key={name}>
                <a href={`#product-${name}`} className="underline">
                  {LABELS[name]}: {errors[name]}
                </a>
              </li>
            ))}
          </ul>
        </div>
      ) : (
        state.message && (
          <p role={state.saved ? "status" : "alert"} className={state.saved ? "rounded-md border border-emerald-200 bg-emerald-50 p-4 text-sm text-emerald-900" : "rounded-md border border-bad/30 bg-red-50 p-4 text-sm text-bad"}>
            {state.message}
          </p>
        )
      )}

      <div className="grid gap-4 sm:grid-cols-2">
        <TextField name="name" error={errors.name} defaultValue={values.name} maxLength={120} />
        <TextField
          name="slug"
          error={errors.slug}
          defaultValue={values.slug}
          maxLength={80}
          hint="The product's web address: /products/<slug>. Leave it empty to make one from the name. Old addresses keep working."
        />
      </div>
      <TextField name="description" multiline rows={4} error={errors.description} defaultValue={values.description} maxLength={2000} />
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField name="price" error={errors.price} defaultValue={values.price} inputMode="decimal" hint="In US dollars, such as 49.99." />
        <TextField
          name="stock"
          error={errors.stock}
          defaultValue={values.stock}
          inputMode="numeric"
          hint="Pieces that can still be sold. Leave empty to not track stock; 0 shows “Sold out”."
        />
        <TextField
          name="maxPerOrder"
          error={errors.maxPerOrder}
          defaultValue={values.maxPerOrder}
          inputMode="numeric"
          hint={`While stock is tracked: the most pieces one order may take (1 to ${HIGHEST_MAX_PER_ORDER}; empty: ${DEFAULT_MAX_PER_ORDER}). Unpaid orders of one shopper hold at most ${UNPAID_HOLD_ORDERS} times this at once.`}
        />
      </div>

      <fieldset aria-describedby={errors.kind ? "product-kind-error" : undefined}>
        <legend className="text-sm font-medium">{LABELS.kind}</legend>
        <div className="mt-1 flex gap-6" id="product-kind">
          {(["physical", "digital"] as const).map((option) => (
            <label key={option} className="flex items-center gap-2">
              <input type="radio" name="kind" value={option} defaultChecked={values.kind === option} onChange={() => setKind(option)} />
              {option === "physical" ? "Physical (ships)" : "Digital (downloaded)"}
            </label>
          ))}
        </div>
        <FieldError id="product-kind" error={errors.kind} />
      </fieldset>

      <div className="grid gap-4 sm:grid-cols-2">
        <Field id="product-image" label={LABELS.image} error={errors.image} hint={imageHint}>
          {image && (
            // eslint-disable-next-line @next/next/no-img-element -- the merchant's own upload, shown as stored
            <img src={image} alt={`Current image of ${values.name}`} className="mt-1 aspect-[4/3] w-48 rounded-md border border-paper-line object-cover" data-testid="current-image" />
          )}
          <input id="product-image" name="image" type="file" accept="image/png,image/jpeg,image/webp" aria-invalid={errors.image ? true : undefined} aria-describedby={describedBy("product-image", errors.image, imageHint)} className="mt-1 block w-full text-sm" />
        </Field>
        {kind === "digital" && (
          <Field id="product-download" label={LABELS.download} error={errors.download} hint={downloadHint}>
            <input id="product-download" name="download" type="file" aria-invalid={errors.download ? true : undefined} aria-describedby={describedBy("product-download", errors.download, downloadHint)} className="mt-1 block w-full text-sm" />
          </Field>
        )}
      </div>

      {!editing && (
        <label className="flex items-center gap-2">
          <input type="checkbox" name="active" value="1" defaultChecked={values.active} />
          Sell it in the shop now (unticked: saved as archived)
        </label>
      )}

      <SaveButton label={editing ? "Save changes" : "Create product"} />
    </form>
  );
}
