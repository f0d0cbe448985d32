import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { EmulatorCore } from "../core";
import { sendJson, sendText } from "../http";
import { isUuid } from "../identifiers";
import type { FaultMode } from "../runtime-config";
import { createResponse, envelopes } from "../wire";
import { BAD_GATEWAY_HTML, readApiJson, UNAUTHORISED } from "./api-request";
import { hasValidApiKey } from "./auth";
import { lowerKeys, parseCreateRequest } from "./create-request";

/** PayRam's own API: create, read, health — with the injected faults. */

export const ENDPOINTS = {
  create: "POST /api/v1/payment",
  status: "GET /api/v1/payment/reference/:id",
  health: "GET /api/v1/health",
  search: "POST /api/v1/payment/search",
} as const;

/** The search body (our shape: PayRam does not publish one): keys matched case-insensitively, like the create. */
const searchSchema = z.object({ customerid: z.string().trim().min(1).max(255) });

/** Answers an injected failure; "hang" keeps the request open until the client (or close/reset) ends it. */
function answerFault(core: EmulatorCore, res: ServerResponse, mode: Exclude<FaultMode, "none" | "undefined">, code5Message: string): void {
  switch (mode) {
    case "500":
      return sendJson(res, 500, envelopes.flat(5, code5Message));
    case "502":
      return sendText(res, 502, BAD_GATEWAY_HTML, "text/html");
    case "429":
      return sendJson(res, 429, envelopes.text("rate limit exceeded, retry later"), { "Retry-After": "1" });
    case "code5":
      return sendJson(res, 200, envelopes.flat(5, code5Message));
    case "hang":
      core.hanging.add(res);
      res.on("close", () => core.hanging.delete(res));
      core.log(`(fault) hanging ${res.req.method} ${res.req.url}`);
      return;
  }
}

export async function handleCreate(core: EmulatorCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  core.stats.record(ENDPOINTS.create);
  const json = await readApiJson(core, req, res, envelopes.text("invalid JSON in request body"));
  if (!json) return;
  const parsed = parseCreateRequest(json.value);
  if (!parsed.ok) return sendJson(res, 400, envelopes.nested(3, parsed.message));

  const fault = core.config.faults.create;
  const mode = core.dice.forEndpoint(fault);
  const latency = fault.latencyMs;
  if (mode !== "none" && mode !== "hang" && mode !== "undefined") {
    if (!(await core.wait(latency))) return void res.destroy();
    return answerFault(core, res, mode, "wallet not found: no deposit wallet is configured for this project");
  }
  // Created before any delay or hang: a client that times out may still have created a payment.
  core.stats.recordCreate(parsed.request.customerId);
  const payment = core.store.create(parsed.request);
  if (mode === "hang") return answerFault(core, res, mode, "");
  if (!(await core.wait(latency))) return void res.destroy();
  sendJson(res, 200, createResponse(core.publicUrl, payment, core.config.api));
}

export async function handleStatus(core: EmulatorCore, req: IncomingMessage, res: ServerResponse, referenceId: string): Promise<void> {
  core.stats.record(ENDPOINTS.status, referenceId);
  if (!hasValidApiKey(req, core.settings.apiKey)) return sendJson(res, 401, UNAUTHORISED);
  const fault = core.config.faults.status;
  const mode = core.dice.forEndpoint(fault);
  if (mode === "hang") return answerFault(core, res, mode, "");
  if (!(await core.wait(fault.latencyMs))) return void res.destroy();
  if (mode !== "none" && mode !== "undefined") return answerFault(core, res, mode, "payment service unavailable");
  if (!isUuid(referenceId)) return sendJson(res, 400, envelopes.nested(3, "invalid reference_id: must be a UUID"));
  const payment = core.store.get(referenceId);
  if (!payment) {
    return core.config.api.unknownReference === "500"
      ? sendJson(res, 500, envelopes.text("Error fetching the payment request"))
      : sendJson(res, 404, envelopes.flat(5, "payment not found"));
  }
  const body = core.statusBody(payment);
  // UNDEFINED, PayRam's fallback state (emulator/README.md, "Faults"), in whichever shape the body has.
  if (mode === "undefined") body[core.config.api.statusShape === "camel" ? "paymentState" : "payment_state"] = "UNDEFINED";
  sendJson(res, 200, body);
}

/** POST /api/v1/payment/search {"customerID":"…"} → {"payments":[status bodies]}, oldest first. */
export async function handleSearch(core: EmulatorCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  core.stats.record(ENDPOINTS.search);
  if (!core.config.api.search) return sendJson(res, 404, envelopes.text("not found"));
  const json = await readApiJson(core, req, res, envelopes.text("invalid JSON in request body"));
  if (!json) return;
  const parsed = searchSchema.safeParse(lowerKeys(json.value));
  if (!parsed.success) return sendJson(res, 400, envelopes.nested(3, "customerID is required (a non-empty string)"));
  const payments = core.store.list().filter((payment) => payment.customerId === parsed.data.customerid);
  sendJson(res, 200, { payments: payments.map((payment) => core.statusBody(payment)) });
}

export function handleHealth(core: EmulatorCore, res: ServerResponse): void {
  core.stats.record(ENDPOINTS.health);
  sendJson(res, 200, { status: "ok" });
}
