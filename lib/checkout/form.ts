import { z } from "zod";
import type { ShippingAddress } from "../orders";
import { said, type Said, type SaidKey } from "../i18n/said";
import { hasControlCharacters } from "../rules/text";

/**
 * The checkout form, as the server accepts it. There is deliberately no price, amount or total
 * here: unknown fields (a forged `price`, `amount`, …) are dropped, and the server prices the cart.
 * Each message is a key of messages/*.json "Said" (fieldErrorsOf adds the field and the limit).
 */
const ENTER: SaidKey = "enter";
const TOO_LONG: SaidKey = "tooLong";
const HIDDEN: SaidKey = "hiddenCharacters";

const text = (max: number) =>
  z
    .string({ message: ENTER })
    .trim()
    .min(1, ENTER)
    .max(max, TOO_LONG)
    .refine((value) => !hasControlCharacters(value), HIDDEN);

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, "atMost" satisfies SaidKey)
    .refine((value) => !hasControlCharacters(value), HIDDEN)
    .optional()
    .transform((value) => (value ? value : null));

export const checkoutFormSchema = z.object({
  // Issued by checkout-token.ts (base64url parts): anything else, a NUL included, never reaches the database.
  token: z
    .string({ message: "formIncomplete" satisfies SaidKey })
    .regex(/^[A-Za-z0-9_.-]{10,200}$/, "formIncomplete" satisfies SaidKey),
  email: z
    .string({ message: "emailMissing" satisfies SaidKey })
    .trim()
    .min(1, "emailMissing" satisfies SaidKey)
    .max(254, "emailTooLong" satisfies SaidKey)
    .pipe(z.email("emailInvalid" satisfies SaidKey)),
});

export const shippingSchema = z.object({
  shippingName: text(120),
  shippingLine1: text(200),
  shippingLine2: optionalText(200),
  shippingCity: text(120),
  shippingRegion: optionalText(120),
  shippingPostalCode: text(20),
  shippingCountry: text(80),
});

export type FieldErrors = Partial<Record<string, Said>>;

/** The first problem of each field, as a message naming the field (and the most characters it takes). */
export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? "form");
    const max = issue.code === "too_big" ? Number(issue.maximum) : 0;
    errors[field] ??= said(issue.message as SaidKey, { field, max });
  }
  return errors;
}

export function toShippingAddress(value: z.output<typeof shippingSchema>): ShippingAddress {
  return {
    name: value.shippingName,
    line1: value.shippingLine1,
    line2: value.shippingLine2,
    city: value.shippingCity,
    region: value.shippingRegion,
    postalCode: value.shippingPostalCode,
    country: value.shippingCountry,
  };
}
