"use client";

import { useActionState, type InputHTMLAttributes } from "react";
import { useFormStatus } from "react-dom";
import { describedBy, Field } from "@/components/field";
import { FieldError } from "@/components/field-error";
import { markShippedAction, type ShipFormState } from "@/lib/actions/fulfilment";
import { CARRIER_MAX, TRACKING_NUMBER_MAX, TRACKING_URL_MAX, type ShipField, type ShipFieldErrors } from "@/lib/rules/ship-form";

const LABELS: Record<ShipField, string> = {
  positions: "Lines to ship",
  carrier: "Carrier",
  trackingNumber: "Tracking number",
  trackingUrl: "Tracking URL (optional)",
};

const FIELD_IDS: Record<ShipField, string> = {
  positions: "ship-lines",
  carrier: "ship-carrier",
  trackingNumber: "ship-tracking-number",
  trackingUrl: "ship-tracking-url",
};

export interface ShippableLine {
  position: number;
  name: string;
  quantity: number;
}

/** The merchant marks physical lines of a paid order shipped: one parcel (carrier, tracking) per submission. */
export function ShipForm({ orderId, lines }: { orderId: string; lines: ShippableLine[] }) {
  const [state, action] = useActionState<ShipFormState, FormData>(markShippedAction, {
    // Every line ticked: one parcel for the whole order is the usual case.
    values: { positions: lines.map((line) => line.position), carrier: "", trackingNumber: "", trackingUrl: "" },
    fieldErrors: {},
    message: null,
    done: false,
  });
  const errors = state.fieldErrors;
  const errorList = (Object.keys(LABELS) as ShipField[]).filter((field) => errors[field]);
  return (
    <form action={action} noValidate className="space-y-4" aria-labelledby="ship-title">
      <h3 id="ship-title" className="font-semibold">
        Mark shipped
      </h3>
      <input type="hidden" name="orderId" value={orderId} />
      {errorList.length > 0 ? (
        <div role="alert" className="rounded-md border border-bad/30 bg-red-50 p-4 text-sm text-bad" data-testid="ship-errors">
          <p className="font-medium">{state.message}</p>
          <ul className="mt-2 list-disc pl-5">
            {errorList.map((field) => (
              <li key={field}>
                <a href={`#${FIELD_IDS[field]}`} className="underline">
                  {LABELS[field]}: {errors[field]}
                </a>
              </li>
            ))}
          </ul>
        </div>
      ) : (
        state.message && (
          <p role={state.done ? "status" : "alert"} className={state.done ? "rounded-md border border-emerald-200 bg-emerald-50 p-4 text-sm text-emerald-900" : "rounded-md border border-bad/30 bg-red-50 p-4 text-sm text-bad"}>
            {state.message}
          </p>
        )
      )}

      <fieldset id={FIELD_IDS.positions} aria-describedby={errors.positions ? `${FIELD_IDS.positions}-error` : undefined}>
        <legend className="text-sm font-medium">{LABELS.positions}</legend>
        <div className="mt-1 space-y-1">
          {lines.map((line) => (
            <label key={line.position} className="flex items-center gap-2 text-sm">
              <input type="checkbox" name={`line-${line.position}`} value="1" defaultChecked={state.values.positions.includes(line.position)} />
              {line.name} × {line.quantity}
            </label>
          ))}
        </div>
        <FieldError id={FIELD_IDS.positions} error={errors.positions} />
      </fieldset>

      <div className="grid gap-4 sm:grid-cols-3">
        <TextField field="carrier" errors={errors} defaultValue={state.values.carrier} maxLength={CARRIER_MAX} autoComplete="off" />
        <TextField field="trackingNumber" errors={errors} defaultValue={state.values.trackingNumber} maxLength={TRACKING_NUMBER_MAX} autoComplete="off" />
        <TextField field="trackingUrl" errors={errors} defaultValue={state.values.trackingUrl} maxLength={TRACKING_URL_MAX} type="url" inputMode="url" placeholder="https://" />
      </div>
      <SubmitButton />
    </form>
  );
}

function TextField({ field, errors, ...input }: { field: Exclude<ShipField, "positions">; errors: ShipFieldErrors } & InputHTMLAttributes<HTMLInputElement>) {
  const id = FIELD_IDS[field];
  const error = errors[field];
  return (
    <Field id={id} label={LABELS[field]} error={error}>
      <input
        id={id}
        name={field}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, error)}
        className="mt-1 w-full rounded-md border border-paper-line px-3 py-2 aria-invalid:border-bad"
        {...input}
      />
    </Field>
  );
}

function SubmitButton() {
  const { pending } = useFormStatus();
  return (
    <button type="submit" disabled={pending} className="rounded-md bg-ink px-4 py-2 font-medium text-white disabled:cursor-wait disabled:opacity-70">
      {pending ? "Saving…" : "Mark shipped"}
    </button>
  );
}
