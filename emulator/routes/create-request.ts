import { z } from "zod";
import { parseUsdCents } from "../money";
import { CURRENCIES, type NewPayment } from "../payments";

/** Validation of POST /api/v1/payment: keys matched case-insensitively, as PayRam's server does. */

export type CreateRequest = NewPayment;

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** null means "not given", as in proto3 JSON. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === null || value === "" ? undefined : value), schema.optional());

const schema = z.object({
  customeremail: z.email({ error: (issue) => (issue.input === undefined ? "is required" : "must be a valid email address") }),
  customerid: z.string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") }).trim().min(1, "must not be empty").max(255),
  amountinusd: z
    .number({ error: (issue) => (issue.input === undefined ? "is required" : "must be a JSON number") })
    .transform((value, ctx) => {
      const cents = parseUsdCents(value);
      if (cents === null || cents <= 0) {
        ctx.addIssue({ code: "custom", message: "must be greater than 0 with at most 2 decimals" });
        return z.NEVER;
      }
      return cents;
    }),
  invoiceid: optional(z.string("must be a string").max(255)),
  expire: optional(
    z
      .string("must be an RFC 3339 date-time")
      .regex(RFC3339, "must be an RFC 3339 date-time such as 2025-01-31T12:00:00Z")
      .transform((value, ctx) => {
        const time = Date.parse(value.toUpperCase().replace(" ", "T"));
        if (Number.isNaN(time)) {
          ctx.addIssue({ code: "custom", message: "is not a valid date-time" });
          return z.NEVER;
        }
        return new Date(time);
      }),
  ),
  currency: optional(
    z
      .string("must be a string")
      .transform((value) => value.trim().toUpperCase())
      .refine((value) => value in CURRENCIES, { message: `is not supported here (supported: ${Object.keys(CURRENCIES).join(", ")})` }),
  ),
  network: optional(z.string("must be a string").trim().toUpperCase().max(32)),
});

const FIELD_NAMES: Record<string, string> = {
  customeremail: "customerEmail",
  customerid: "customerID",
  amountinusd: "amountInUSD",
  invoiceid: "invoiceID",
  expire: "expire",
  currency: "currency",
  network: "network",
};

export type CreateParse = { ok: true; request: CreateRequest } | { ok: false; message: string };

/** A JSON object's keys lower-cased (PayRam matches request keys case-insensitively); null for anything else. */
export function lowerKeys(body: unknown): Record<string, unknown> | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return null;
  return Object.fromEntries(Object.entries(body).map(([key, value]) => [key.toLowerCase(), value]));
}

export function parseCreateRequest(body: unknown): CreateParse {
  const lowered = lowerKeys(body);
  if (!lowered) return { ok: false, message: "request body must be a JSON object" };
  const parsed = schema.safeParse(lowered);
  if (!parsed.success) {
    const message = parsed.error.issues
      .map((issue) => {
        const key = String(issue.path[0] ?? "");
        return `${FIELD_NAMES[key] ?? key} ${issue.message}`;
      })
      .join("; ");
    return { ok: false, message };
  }
  const data = parsed.data;
  return {
    ok: true,
    request: {
      customerId: data.customerid,
      customerEmail: data.customeremail,
      amountCents: data.amountinusd,
      invoiceId: data.invoiceid,
      expiresAt: data.expire,
      currency: data.currency === undefined ? undefined : CURRENCIES[data.currency],
      network: data.network,
    },
  };
}
