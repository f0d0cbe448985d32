import { z } from "zod";
import type { ShippingAddress } from "../orders";

/**
 * The checkout form, as the server accepts it. There is deliberately no price, amount or total
 * here: unknown fields (a forged `price`, `amount`, …) are dropped, and the server prices the cart.
 */
const text = (label: string, max: number) =>
  z
    .string({ message: `Enter ${label}` })
    .trim()
    .min(1, `Enter ${label}`)
    .max(max, `${label[0]!.toUpperCase()}${label.slice(1)} is too long (at most ${max} characters)`);

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `At most ${max} characters`)
    .optional()
    .transform((value) => (value ? value : null));

export const checkoutFormSchema = z.object({
  token: z.string({ message: "This checkout form is incomplete. Please reload the page." }).min(10).max(200),
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
  shippingLine2: optionalText(200),
  shippingCity: text("the city", 120),
  shippingRegion: optionalText(120),
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
