"use client";

import { useActionState } from "react";
import { useFormStatus } from "react-dom";
import { useTranslations } from "next-intl";
import { checkoutAction, type CheckoutState } from "@/lib/actions/checkout";
import { describedBy, Field } from "./field";

function TextField({
  name,
  label,
  error,
  optional = false,
  ...input
}: { name: string; label: string; error?: string; optional?: boolean } & React.InputHTMLAttributes<HTMLInputElement>) {
  const id = `field-${name}`;
  const t = useTranslations("Checkout");
  return (
    <Field
      id={id}
      label={
        <>
          {label}
          {optional && <span className="font-normal text-ink-faint">{t("optional")}</span>}
        </>
      }
      error={error}
    >
      <input
        id={id}
        name={name}
        required={!optional}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, error)}
        className="mt-1 w-full rounded-md border border-paper-line px-3 py-2 aria-invalid:border-bad"
        {...input}
      />
    </Field>
  );
}

function PayButton({ totalLabel }: { totalLabel: string }) {
  const { pending } = useFormStatus();
  const t = useTranslations("Checkout");
  return (
    <button
      type="submit"
      disabled={pending}
      aria-disabled={pending}
      className="w-full rounded-md bg-brand-600 px-5 py-3 text-lg font-semibold text-white hover:bg-brand-700 disabled:cursor-wait disabled:opacity-70"
    >
      {pending ? t("opening") : t("pay", { total: totalLabel })}
    </button>
  );
}

export function CheckoutForm({ token, ships, totalLabel }: { token: string; ships: boolean; totalLabel: string }) {
  const [state, action] = useActionState<CheckoutState, FormData>(checkoutAction, { error: null, fieldErrors: {}, values: {} });
  const errors = state.fieldErrors;
  const t = useTranslations("Checkout");
  const field = (name: string) => ({ name, error: errors[name], defaultValue: state.values[name] ?? "" });
  return (
    <form action={action} className="space-y-6" noValidate>
      <input type="hidden" name="token" value={token} />
      {state.error && (
        <div role="alert" className="rounded-md border border-bad/30 bg-red-50 p-4 text-sm text-bad">
          {state.error}
        </div>
      )}
      <fieldset className="space-y-4">
        <legend className="text-lg font-semibold">{t("contact")}</legend>
        <TextField {...field("email")} label={t("email")} type="email" autoComplete="email" />
      </fieldset>
      {ships && (
        <fieldset className="space-y-4">
          <legend className="text-lg font-semibold">{t("shipping")}</legend>
          <TextField {...field("shippingName")} label={t("name")} autoComplete="name" />
          <TextField {...field("shippingLine1")} label={t("line1")} autoComplete="address-line1" />
          <TextField {...field("shippingLine2")} label={t("line2")} autoComplete="address-line2" optional />
          <div className="grid gap-4 sm:grid-cols-2">
            <TextField {...field("shippingCity")} label={t("city")} autoComplete="address-level2" />
            <TextField {...field("shippingRegion")} label={t("region")} autoComplete="address-level1" optional />
            <TextField {...field("shippingPostalCode")} label={t("postalCode")} autoComplete="postal-code" />
            <TextField {...field("shippingCountry")} label={t("country")} autoComplete="country-name" />
          </div>
        </fieldset>
      )}
      <PayButton totalLabel={totalLabel} />
      <p className="text-center text-sm text-ink-muted">
        {t("note")}
      </p>
    </form>
  );
}
