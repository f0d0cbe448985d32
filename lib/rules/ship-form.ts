import { z } from "zod";
import { controlCharactersMessage, hasControlCharacters } from "./text";

/**
 * The merchant's ship form: its fields, their limits and messages. No server imports: the form
 * (a client component) reads the limits too.
 */

export const CARRIER_MAX = 60;
export const TRACKING_NUMBER_MAX = 80;
export const TRACKING_URL_MAX = 500;

const text = (label: string, max: number) =>
  z
    .string()
    .trim()
    .min(1, `Enter the ${label}.`)
    .max(max, `The ${label} can be at most ${max} characters.`)
    .refine((value) => !hasControlCharacters(value), controlCharactersMessage(`the ${label}`));

export const shipmentSchema = z.object({
  carrier: text("carrier", CARRIER_MAX),
  trackingNumber: text("tracking number", TRACKING_NUMBER_MAX),
  // Optional; shown to the shopper as a link, so only a web address.
  trackingUrl: z
    .string()
    .trim()
    .max(TRACKING_URL_MAX, `The tracking URL can be at most ${TRACKING_URL_MAX} characters.`)
    .refine((value) => !hasControlCharacters(value), controlCharactersMessage("the tracking URL"))
    .refine((value) => value === "" || isWebUrl(value), "The tracking URL must start with https:// or http://.")
    .transform((value) => (value === "" ? null : value)),
});
export type Shipment = z.output<typeof shipmentSchema>;

function isWebUrl(value: string): boolean {
  if (!/^https?:\/\//i.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.hostname !== "";
  } catch {
    return false;
  }
}

export type ShipField = "positions" | "carrier" | "trackingNumber" | "trackingUrl";
export type ShipFieldErrors = Partial<Record<ShipField, string>>;

/** What the merchant typed, kept as typed to fill the form again after a refusal. */
export interface ShipFormValues {
  positions: number[];
  carrier: string;
  trackingNumber: string;
  trackingUrl: string;
}

export const EMPTY_SHIP_FORM: ShipFormValues = { positions: [], carrier: "", trackingNumber: "", trackingUrl: "" };

const LINE_FIELD = /^line-(\d{1,4})$/;

/**
 * The ship form's fields as the server action receives them (any names, any values): a checkbox
 * per line (`line-<position>` = "1") and the shipment's three text fields.
 */
export const shipFormInput = z.record(z.string(), z.unknown()).transform((fields): ShipFormValues => {
  const str = (name: string) => (typeof fields[name] === "string" ? (fields[name] as string) : "");
  const positions = Object.entries(fields)
    .filter(([name, value]) => LINE_FIELD.test(name) && value === "1")
    .map(([name]) => Number(LINE_FIELD.exec(name)![1]))
    .filter((position) => position > 0)
    .sort((a, b) => a - b);
  return { positions, carrier: str("carrier"), trackingNumber: str("trackingNumber"), trackingUrl: str("trackingUrl") };
});

export type CheckedShipForm = { ok: true; positions: number[]; shipment: Shipment } | { ok: false; fieldErrors: ShipFieldErrors };

/** The form's values checked: at least one line, a carrier, a tracking number, a web tracking URL if any. */
export function checkShipForm(values: ShipFormValues): CheckedShipForm {
  const fieldErrors: ShipFieldErrors = {};
  if (values.positions.length === 0) fieldErrors.positions = "Choose at least one line to mark shipped.";
  const shipment = shipmentSchema.safeParse(values);
  if (!shipment.success) {
    for (const issue of shipment.error.issues) {
      const field = issue.path[0] as ShipField;
      fieldErrors[field] ??= issue.message;
    }
  }
  if (!shipment.success || fieldErrors.positions) return { ok: false, fieldErrors };
  return { ok: true, positions: values.positions, shipment: shipment.data };
}
