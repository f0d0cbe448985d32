import { z } from "zod";
import { MoneyError, parseCents } from "./money";

/**
 * A dollar amount a person types in a form ("49.99", or "$49.99" as people write it) as integer
 * cents, exactly: digits to cents, never through a float. `invalid` words anything else, and
 * `subCent` an amount with fractions of a cent (by default `invalid` too). Refine the range after.
 */
export function typedUsd(invalid: string, subCent = invalid) {
  return z
    .string()
    .trim()
    .transform((value, ctx) => {
      try {
        return parseCents(value.replace(/^\$/, ""));
      } catch (error) {
        if (!(error instanceof MoneyError)) throw error;
        ctx.addIssue({ code: "custom", message: /fractions of a cent/.test(error.message) ? subCent : invalid });
        return z.NEVER;
      }
    });
}
