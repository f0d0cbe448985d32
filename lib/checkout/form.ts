import { z } from "zod";
import type { ShippingAddress } from "../orders";
import { controlCharactersMessage, hasControlCharacters } from "../rules/text";

/**
 * The checkout form, as the server accepts it. There is deliberately no price, amount or total
 * here: unknown fields (a forged `price`, `amount`, …) are dropped, and the server prices the cart.
 */
const capitalised = (label: string) => `${label[0]!.toUpperCase()}${label.slice(1)}`;

const text = (label: string, max: number) =>
  z
    .string({ message: `Enter ${label}` })
    .trim()
    .min(1, `Enter ${label}`)
    .max(max, `${capitalised(label)} is too long (at most ${max} characters)`)
    .refine((value) => !hasControlCharacters(value), controlCharactersMessage(label));

const optionalText = (label: string, max: number) =>
  z
    .string()
    .trim()
    .max(max, `At most ${max} characters`)
    .refine((value) => !hasControlCharacters(value), controlCharactersMessage(label))
    .optional()
    .transform((value) => (value ? value : null));

export const checkoutFormSchema = z.object({
  // Issued by checkout-token.ts (base64url parts): anything else, a NUL included, never reaches the database.
  token: z
    .string({ message: "This checkout form is incomplete. Please reload the page." })
    .regex(/^[A-Za-z0-9_.-]{10,200}$/, "This checkout form is incomplete. Please reload the page."),
  email: z
    .string({ message: "Enter your email address" })
    .trim()
    .min(1, "Enter your email address")
    .max(254, "This email address is too long")
    .pipe(z.email("Enter a valid email address, like you@example.com")),
});

export const shippingSchema = z.object({
  shippingName: text("the recipient's name", 120),
  shippingLine1: text("the street address", 200),
  shippingLine2: optionalText("the second address line", 200),
  shippingCity: text("the city", 120),
  shippingRegion: optionalText("the state or region", 120),
  shippingPostalCode: text("the postal code", 20),
  shippingCountry: text("the country", 80),
});

export type FieldErrors = Partial<Record<string, string>>;

export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? "form");
    errors[field] ??= issue.message;
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
