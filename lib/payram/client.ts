import { z } from "zod";
import { centsToAmountNumber, type Cents } from "../money";
import { describeErrorAnswer, failureForStatus, PayramError, readErrorEnvelope } from "./errors";

/**
 * The PayRam adapter: the only code that knows PayRam's wire shapes. Callers get app types
 * and PayramError; the API key travels in the `API-Key` header and nowhere else.
 */
export interface PayramClientOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export interface CreatePaymentInput {
  customerEmail: string;
  /** Per order ("order_1001"): PayRam cancels a customer's other open payments on create. */
  customerId: string;
  invoiceId: string;
  amountCents: Cents;
}

export interface CreatedPayment {
  referenceId: string;
  /** PayRam's hosted payment page, opaque: redirect to it as-is (after the origin check). */
  url: string;
  /** The origin PayRam says it serves from, when it says. */
  host: string | null;
}

const createdPaymentBody = z.object({
  reference_id: z.string().min(1).max(200),
  url: z.string().url(),
  host: z.string().optional(),
});

export interface PayramClient {
  createPayment(input: CreatePaymentInput): Promise<CreatedPayment>;
}

export function createPayramClient(options: PayramClientOptions): PayramClient {
  const doFetch = options.fetch ?? fetch;

  /** One request, one time-out; never retried here (the caller decides, per endpoint). */
  async function call(method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    let response: Response;
    try {
      response = await doFetch(`${options.baseUrl}${path}`, {
        method,
        headers: {
          "API-Key": options.apiKey,
          Accept: "application/json",
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs),
        cache: "no-store",
        redirect: "error",
      });
    } catch (error) {
      if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
        throw new PayramError("timeout", `PayRam did not answer ${method} ${path} within ${options.timeoutMs} ms`);
      }
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new PayramError("network", `could not reach PayRam for ${method} ${path}: ${cause}`);
    }
    let text: string;
    try {
      text = await response.text();
    } catch {
      throw new PayramError("timeout", `PayRam's answer to ${method} ${path} did not arrive within ${options.timeoutMs} ms`);
    }
    let json: unknown = null;
    if (text !== "") {
      try {
        json = JSON.parse(text);
      } catch {
        json = text.slice(0, 200);
      }
    }
    return { status: response.status, json };
  }

  return {
    async createPayment(input) {
      const { status, json } = await call("POST", "/api/v1/payment", {
        customerEmail: input.customerEmail,
        customerID: input.customerId,
        invoiceID: input.invoiceId,
        amountInUSD: centsToAmountNumber(input.amountCents),
      });
      if (status < 200 || status >= 300) {
        throw new PayramError(failureForStatus(status), describeErrorAnswer(status, json), status);
      }
      const created = createdPaymentBody.safeParse(json);
      if (!created.success) {
        // A 200 whose body has a `code` and no `url` is a failure (contract §2).
        if (readErrorEnvelope(json)) throw new PayramError("refused", describeErrorAnswer(status, json), status);
        throw new PayramError("invalid_response", "PayRam's answer to the payment request has no reference_id and url", status);
      }
      return { referenceId: created.data.reference_id, url: created.data.url, host: created.data.host ?? null };
    },
  };
}
