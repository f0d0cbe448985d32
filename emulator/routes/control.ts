import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { EmulatorCore } from "../core";
import { parseJson, readBody, sendJson } from "../http";
import type { PayoutAction } from "../payouts";

/** /__emulator/*: the test and demo controls. No API key: a local tool, kept apart from PayRam's routes. */

export const CONTROL_ROUTES = [
  "GET  /__emulator                                   this list",
  "GET  /__emulator/payments                          every payment with state and amounts",
  "GET  /__emulator/payments/{reference_id}           one payment",
  "POST /__emulator/payments/{reference_id}/deposit   {\"amountInUSD\":\"12.50\"} a transfer arrives (answers the payment that took it: a top-up may be a new one);",
  "                                                    with \"valueInUSD\":\"12.40\", PayRam reports it worth that (the price moved since the quote)",
  "POST /__emulator/payments/{reference_id}/cancel    cancel (as the shopper or merchant would)",
  "POST /__emulator/payments/{reference_id}/expire    expire now (its `expire` moment passes)",
  "POST /__emulator/payments/{reference_id}/redeliver send the last webhook again",
  "POST /__emulator/payments/{reference_id}/undefined {\"on\":true} the status reports UNDEFINED until the payment changes",
  "POST /__emulator/ping                              send the dashboard's test ping to every webhook URL",
  "POST /__emulator/payout                            {\"eventType\":\"payout.completed\"} a signed payout event",
  "GET  /__emulator/payouts                           every payout with its status and Idempotency-Key",
  "GET  /__emulator/payouts/{id}                      one payout",
  "POST /__emulator/payouts/{id}/approve              pending-approval -> pending (payout.approved)",
  "POST /__emulator/payouts/{id}/reject               {\"reason\":\"…\"} pending-approval -> rejected",
  "POST /__emulator/payouts/{id}/cancel               pending(-approval) -> cancelled",
  "POST /__emulator/payouts/{id}/initiate             pending -> initiated (txHash set)",
  "POST /__emulator/payouts/{id}/send                 initiated -> sent",
  "POST /__emulator/payouts/{id}/process              sent -> processed",
  "POST /__emulator/payouts/{id}/fail                 {\"reason\":\"…\"} pending/initiated/sent -> failed",
  "POST /__emulator/payouts/{id}/redeliver            send the payout's last webhook again",
  "GET  /__emulator/deliveries[?reference_id=…]       the webhook delivery log",
  "GET  /__emulator/config                            runtime config",
  "PUT  /__emulator/config                            merge a partial runtime config",
  "GET  /__emulator/stats                             requests per PayRam endpoint and per reference",
  "POST /__emulator/reset                             payments, payouts, deliveries, stats and config back to the start settings",
];

type Json = { ok: true; value: unknown } | { ok: false };

/** Control bodies are optional JSON; an empty body reads as {}. */
async function readJson(core: EmulatorCore, req: IncomingMessage, res: ServerResponse): Promise<Json> {
  const read = await readBody(req, core.settings.maxBodyBytes);
  if (!read.ok) {
    if (read.reason === "too-large") sendJson(res, 413, { error: "request body too large" });
    return { ok: false };
  }
  if (read.body.length === 0) return { ok: true, value: {} };
  const json = parseJson(read.body);
  if (!json.ok) sendJson(res, 400, { error: "invalid JSON in request body" });
  return json;
}

const depositSchema = z.strictObject({ amountInUSD: z.union([z.string(), z.number()]), valueInUSD: z.union([z.string(), z.number()]).optional() });
const undefinedSchema = z.strictObject({ on: z.boolean().default(true) });
const reasonSchema = z.strictObject({ reason: z.string().trim().min(1).max(500).optional() });
const payoutSchema = z.strictObject({ eventType: z.string().regex(/^payout\.[a-z_]+$/).default("payout.completed") });

function notFound(res: ServerResponse) {
  sendJson(res, 404, { error: "payment not found" });
}

export async function handleControl(
  core: EmulatorCore,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
): Promise<void> {
  const method = req.method ?? "GET";
  const route = path.replace(/^\/__emulator/, "").replace(/\/+$/, "");
  const paymentAction = /^\/payments\/([^/]+)(?:\/(deposit|cancel|expire|redeliver|undefined))?$/.exec(route);

  if (route === "" && method === "GET") return sendJson(res, 200, { routes: CONTROL_ROUTES });
  if (route === "/payments" && method === "GET") return sendJson(res, 200, { payments: core.views() });
  if (paymentAction) {
    const referenceId = decodeURIComponent(paymentAction[1] ?? "");
    const action = paymentAction[2];
    if (!action && method === "GET") {
      const view = core.view(referenceId);
      return view ? sendJson(res, 200, view) : notFound(res);
    }
    if (action && method === "POST") return paymentCommand(core, req, res, referenceId, action);
  }
  if (route === "/payouts" && method === "GET") return sendJson(res, 200, { payouts: core.payoutViews() });
  const payoutAction = /^\/payouts\/([^/]+)(?:\/(approve|reject|cancel|fail|initiate|send|process|redeliver))?$/.exec(route);
  if (payoutAction) {
    const raw = decodeURIComponent(payoutAction[1] ?? "");
    const id = /^\d{1,15}$/.test(raw) ? Number(raw) : -1;
    const action = payoutAction[2] as PayoutAction | "redeliver" | undefined;
    if (!action && method === "GET") {
      const view = core.payoutView(id);
      return view ? sendJson(res, 200, view) : sendJson(res, 404, { error: "payout not found" });
    }
    if (action && method === "POST") return payoutCommand(core, req, res, id, action);
  }
  if (route === "/ping" && method === "POST") return sendJson(res, 200, { deliveries: await core.webhooks.ping() });
  if (route === "/payout" && method === "POST") {
    const json = await readJson(core, req, res);
    if (!json.ok) return;
    const body = payoutSchema.safeParse(json.value);
    if (!body.success) return sendJson(res, 400, { error: `eventType: ${body.error.issues[0]?.message ?? "invalid"}` });
    return sendJson(res, 202, { payload: core.webhooks.payoutEvent(body.data.eventType) });
  }
  if (route === "/deliveries" && method === "GET") {
    const reference = query.get("reference_id");
    const deliveries = core.webhooks.log().filter((entry) => !reference || entry.referenceId === reference);
    return sendJson(res, 200, { deliveries });
  }
  if (route === "/config" && method === "GET") return sendJson(res, 200, core.config);
  if (route === "/config" && (method === "PUT" || method === "PATCH")) {
    const json = await readJson(core, req, res);
    if (!json.ok) return;
    const result = core.setConfig(json.value);
    return result.ok ? sendJson(res, 200, result.config) : sendJson(res, 400, { error: result.error });
  }
  if (route === "/stats" && method === "GET") return sendJson(res, 200, core.stats.snapshot());
  if (route === "/reset" && method === "POST") {
    core.reset();
    return sendJson(res, 200, { reset: true });
  }
  sendJson(res, 404, { error: `no control route ${method} ${path}`, routes: CONTROL_ROUTES });
}

async function paymentCommand(core: EmulatorCore, req: IncomingMessage, res: ServerResponse, referenceId: string, action: string): Promise<void> {
  const json = await readJson(core, req, res);
  if (!json.ok) return;
  if (action === "redeliver") {
    if (!core.view(referenceId)) return notFound(res);
    return core.webhooks.redeliver(referenceId)
      ? sendJson(res, 202, { redelivered: true })
      : sendJson(res, 409, { error: "no webhook was sent for this payment yet" });
  }
  let result;
  if (action === "deposit") {
    const body = depositSchema.safeParse(json.value);
    if (!body.success) return sendJson(res, 400, { error: 'body must be {"amountInUSD": "12.50"} (a string or number), and optionally "valueInUSD" (what PayRam then reports it worth)' });
    result = core.deposit(referenceId, body.data.amountInUSD, body.data.valueInUSD);
  } else if (action === "undefined") {
    const body = undefinedSchema.safeParse(json.value);
    if (!body.success) return sendJson(res, 400, { error: 'body must be {"on": true} or {"on": false}' });
    result = core.store.reportUndefined(referenceId, body.data.on);
  } else {
    result = action === "expire" ? core.store.expireNow(referenceId) : core.store.cancel(referenceId);
  }
  // A deposit answers the payment that took it: a top-up under a new reference links back with topUpOf.
  if (result.ok) return sendJson(res, 200, core.view(result.payment.referenceId));
  switch (result.reason) {
    case "not-found":
      return notFound(res);
    case "bad-amount":
      return sendJson(res, 400, { error: "amountInUSD: must be greater than 0 with at most 2 decimals" });
    case "terminal":
      return sendJson(res, 409, { error: `payment is ${result.payment?.state ?? "closed"}: terminal states never change`, payment: core.view(referenceId) });
  }
}

async function payoutCommand(core: EmulatorCore, req: IncomingMessage, res: ServerResponse, id: number, action: PayoutAction | "redeliver"): Promise<void> {
  const json = await readJson(core, req, res);
  if (!json.ok) return;
  if (!core.payouts.get(id)) return sendJson(res, 404, { error: "payout not found" });
  if (action === "redeliver") {
    return core.webhooks.redeliver(String(id)) ? sendJson(res, 202, { redelivered: true }) : sendJson(res, 409, { error: "no webhook was sent for this payout yet" });
  }
  const body = reasonSchema.safeParse(json.value);
  if (!body.success) return sendJson(res, 400, { error: 'body must be empty or {"reason": "…"}' });
  const result = core.payouts.act(id, action, body.data.reason);
  if (result.ok) return sendJson(res, 200, core.payoutView(id));
  if (result.reason === "not-found") return sendJson(res, 404, { error: "payout not found" });
  return sendJson(res, 409, {
    error: `cannot ${action} a payout that is ${result.payout.status} (only from ${result.allowedFrom.join(", ")})`,
    payout: core.payoutView(id),
  });
}
