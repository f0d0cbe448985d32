import type { IncomingMessage } from "node:http";
import { z } from "zod";
import { compareDecimal, parseDecimal, roundDecimal } from "../decimal";
import { findAsset, isValidAddress, PAYOUT_CHAINS, PAYOUT_CURRENCIES, usdValue, type NewPayout, type PayoutAsset } from "../payouts";
import type { RuntimeConfig } from "../runtime-config";
import { lowerKeys } from "./create-request";

/** Validation of POST /api/v1/withdrawal/merchant (§9). Keys are matched case-insensitively, like the payment create. */

export type PayoutParse =
  | { ok: true; request: NewPayout; asset: PayoutAsset }
  | { ok: false; status: 400; code: "INVALID_REQUEST" | "PAYOUT_AMOUNT_BELOW_MINIMUM" | "PAYOUT_CURRENCY_DISABLED"; message: string }
  | { ok: false; status: 500; message: string };

const optional = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === null || value === "" ? undefined : value), schema.optional());
const required = (what: string) => (issue: { input: unknown }) => (issue.input === undefined ? "is required" : what);

const schema = z.object({
  email: z.email({ error: required("must be a valid email address") }),
  blockchaincode: z
    .string({ error: required("must be a string") })
    .transform((value) => value.trim().toUpperCase())
    .refine((value) => (PAYOUT_CHAINS as readonly string[]).includes(value), { message: `is not supported for payouts (supported: ${PAYOUT_CHAINS.join(", ")}; BTC payouts are not supported)` }),
  currencycode: z
    .string({ error: required("must be a string") })
    .transform((value) => value.trim().toUpperCase())
    .refine((value) => (PAYOUT_CURRENCIES as readonly string[]).includes(value), { message: `is not supported for payouts (supported: ${PAYOUT_CURRENCIES.join(", ")})` }),
  amount: z.string({ error: required("must be a decimal string in crypto units, such as \"10.5\"") }).trim(),
  toaddress: z.string({ error: required("must be a string") }).trim().min(1, "is required"),
  customerid: optional(z.string("must be a string").trim().max(255)),
  mobilenumber: optional(z.string("must be a string").max(64)),
  residentialaddress: optional(z.string("must be a string").max(500)),
  idempotencykey: z.unknown().optional(),
});

const FIELD_NAMES: Record<string, string> = {
  email: "email",
  blockchaincode: "blockchainCode",
  currencycode: "currencyCode",
  amount: "amount",
  toaddress: "toAddress",
  customerid: "customerID",
  mobilenumber: "mobileNumber",
  residentialaddress: "residentialAddress",
};

const invalid = (message: string): PayoutParse => ({ ok: false, status: 400, code: "INVALID_REQUEST", message });

export function parsePayoutRequest(body: unknown, settings: RuntimeConfig["payouts"]): PayoutParse {
  const lowered = lowerKeys(body);
  if (!lowered) return invalid("request body must be a JSON object");
  const parsed = schema.safeParse(lowered);
  if (!parsed.success) {
    return invalid(
      parsed.error.issues
        .map((issue) => {
          const key = String(issue.path[0] ?? "");
          return `${FIELD_NAMES[key] ?? key} ${issue.message}`;
        })
        .join("; "),
    );
  }
  const data = parsed.data;
  const asset = findAsset(data.blockchaincode, data.currencycode);
  if (!asset) return invalid(`currencyCode ${data.currencycode} is not available on ${data.blockchaincode}`);
  if (!isValidAddress(asset.blockchainCode, data.toaddress)) return invalid(`toAddress is not a valid ${asset.blockchainCode} address`);
  const amount = parseDecimal(data.amount);
  if (!amount || amount.units === 0n) return invalid("amount must be a decimal string greater than 0, in crypto units, such as \"10.5\"");
  if (amount.scale > asset.walletPrecision) return invalid(`amount has more than ${asset.walletPrecision} decimals (the walletPrecision of ${asset.currencyCode} on ${asset.blockchainCode})`);
  if (settings.disabled.includes(`${asset.blockchainCode}:${asset.currencyCode}`)) {
    return { ok: false, status: 400, code: "PAYOUT_CURRENCY_DISABLED", message: `payouts in ${asset.currencyCode} on ${asset.blockchainCode} are disabled for this project` };
  }
  const minimum = parseDecimal(settings.minimumUsd);
  if (minimum && compareDecimal(usdValue(amount, asset, settings), minimum) < 0) {
    return { ok: false, status: 400, code: "PAYOUT_AMOUNT_BELOW_MINIMUM", message: `the payout is worth less than the minimum of $${settings.minimumUsd}` };
  }
  // "Required in practice": PayRam's server fails on it with a 500, not a validation error.
  if (!data.customerid) return { ok: false, status: 500, message: "failed to create the withdrawal: customer id is empty" };
  return {
    ok: true,
    asset,
    request: {
      email: data.email,
      blockchainCode: asset.blockchainCode,
      currencyCode: asset.currencyCode,
      amount: roundDecimal(amount, asset.walletPrecision),
      toAddress: data.toaddress,
      customerId: data.customerid,
      mobileNumber: data.mobilenumber ?? null,
      residentialAddress: data.residentialaddress ?? null,
    },
  };
}

export type IdempotencyKey = { ok: true; key: { value: string; source: "header" | "body" } | null } | { ok: false; message: string };

/** The Idempotency-Key header, else the body's idempotencyKey (the header wins). Empty means none. */
export function idempotencyKeyOf(req: IncomingMessage, body: unknown): IdempotencyKey {
  const check = (value: string, source: "header" | "body"): IdempotencyKey =>
    value.length > 255 ? { ok: false, message: "Idempotency-Key must be at most 255 characters" } : { ok: true, key: { value, source } };
  const header = req.headers["idempotency-key"];
  if (typeof header === "string" && header.trim() !== "") return check(header.trim(), "header");
  const fromBody = lowerKeys(body)?.idempotencykey;
  if (fromBody === undefined || fromBody === null || fromBody === "") return { ok: true, key: null };
  if (typeof fromBody !== "string") return { ok: false, message: "idempotencyKey must be a string" };
  return fromBody.trim() === "" ? { ok: true, key: null } : check(fromBody.trim(), "body");
}
