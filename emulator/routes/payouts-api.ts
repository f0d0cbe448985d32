import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorCore } from "../core";
import { compareDecimal } from "../decimal";
import { sendJson, sendText } from "../http";
import { payoutBody, tickerBody } from "../payout-wire";
import type { Payout } from "../payouts";
import { envelopes } from "../wire";
import { BAD_GATEWAY_HTML, readApiJson, UNAUTHORISED } from "./api-request";
import { hasValidApiKey } from "./auth";
import { idempotencyKeyOf, parsePayoutRequest } from "./payout-request";

/** PayRam's payouts API (the contract's §9): create with Idempotency-Key, read, list, and the public ticker. */

export const PAYOUT_ENDPOINTS = {
  create: "POST /api/v1/withdrawal/merchant",
  list: "GET /api/v1/withdrawal/merchant",
  read: "GET /api/v1/withdrawal/:id/merchant",
  ticker: "GET /api/v1/ticker",
} as const;

const body = (core: EmulatorCore, payout: Payout) => payoutBody(payout, core.webhooks.deliveryStatus(String(payout.id)));

export async function handlePayoutCreate(core: EmulatorCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  core.stats.record(PAYOUT_ENDPOINTS.create);
  const json = await readApiJson(core, req, res, envelopes.nested("INVALID_REQUEST", "invalid JSON in request body"));
  if (!json) return;
  const key = idempotencyKeyOf(req, json.value);
  if (!key.ok) return sendJson(res, 400, envelopes.nested("INVALID_REQUEST", key.message));
  const fault = core.config.faults.payouts;

  // The same key again: the payout it created, whatever the body says now. Never faulted, never a second one.
  const known = key.key ? core.payouts.withKey(key.key.value) : undefined;
  if (known) {
    if (!(await core.wait(fault.latencyMs))) return void res.destroy();
    return sendJson(res, 201, body(core, known));
  }

  const parsed = parsePayoutRequest(json.value, core.config.payouts);
  if (!parsed.ok) {
    return parsed.status === 500
      ? sendJson(res, 500, envelopes.flat(5, parsed.message))
      : sendJson(res, 400, envelopes.nested(parsed.code, parsed.message));
  }
  if (!key.key && core.payouts.findDuplicate(parsed.request)) {
    const minutes = core.config.payouts.duplicateWindowMs / 60_000;
    return sendJson(
      res,
      409,
      envelopes.nested("PAYOUT_DUPLICATE_REQUEST", `an identical payout (address, amount, currency, chain) was requested less than ${minutes} minutes ago; send an Idempotency-Key to repeat a payout on purpose`),
    );
  }

  const mode = core.dice.forEndpoint(fault);
  if (mode === "503" || mode === "500" || mode === "502" || mode === "429") {
    if (!(await core.wait(fault.latencyMs))) return void res.destroy();
    switch (mode) {
      case "503":
        return sendJson(res, 503, envelopes.nested("EXCHANGE_RATE_UNAVAILABLE", `no exchange rate for ${parsed.asset.currencyCode} right now; retry later`));
      case "500":
        return sendJson(res, 500, envelopes.flat(5, "failed to create the withdrawal"));
      case "502":
        return sendText(res, 502, BAD_GATEWAY_HTML, "text/html");
      case "429":
        return sendJson(res, 429, envelopes.text("rate limit exceeded, retry later"), { "Retry-After": "1" });
    }
  }
  // Created before any delay or hang: a payout whose create timed out may exist.
  const payout = core.payouts.create(parsed.request, parsed.asset, key.key);
  if (mode === "hang") {
    core.hanging.add(res);
    res.on("close", () => core.hanging.delete(res));
    core.log(`(fault) hanging ${req.method} ${req.url} after creating payout ${payout.id}`);
    return;
  }
  if (!(await core.wait(fault.latencyMs))) return void res.destroy();
  sendJson(res, 201, body(core, payout));
}

export function handlePayoutRead(core: EmulatorCore, req: IncomingMessage, res: ServerResponse, rawId: string): void {
  core.stats.record(PAYOUT_ENDPOINTS.read, rawId);
  if (!hasValidApiKey(req, core.settings.apiKey)) return sendJson(res, 401, UNAUTHORISED);
  // Another project's id and an id that never existed look alike.
  const payout = /^\d{1,15}$/.test(rawId) ? core.payouts.get(Number(rawId)) : undefined;
  if (!payout) return sendJson(res, 404, { message: "not found" });
  sendJson(res, 200, body(core, payout));
}

const SORT_KEYS = ["createdAt", "updatedAt", "id", "amount"] as const;

/** GET /api/v1/withdrawal/merchant?limit&offset&order&sortBy → {"data":[…],"total","limit","offset"}. */
export function handlePayoutList(core: EmulatorCore, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
  core.stats.record(PAYOUT_ENDPOINTS.list);
  if (!hasValidApiKey(req, core.settings.apiKey)) return sendJson(res, 401, UNAUTHORISED);
  const whole = (name: string, fallback: number, min: number, max: number): number | string => {
    const raw = query.get(name);
    if (raw === null || raw === "") return fallback;
    if (!/^\d{1,6}$/.test(raw) || Number(raw) < min || Number(raw) > max) return `${name} must be a whole number from ${min} to ${max}`;
    return Number(raw);
  };
  const limit = whole("limit", 10, 1, 100);
  const offset = whole("offset", 0, 0, 1_000_000);
  const order = (query.get("order") || "desc").toLowerCase();
  const sortBy = query.get("sortBy") || "createdAt";
  const problem =
    typeof limit === "string" ? limit
    : typeof offset === "string" ? offset
    : order !== "asc" && order !== "desc" ? "order must be asc or desc"
    : !(SORT_KEYS as readonly string[]).includes(sortBy) ? `sortBy must be one of ${SORT_KEYS.join(", ")}`
    : null;
  if (problem || typeof limit === "string" || typeof offset === "string") return sendJson(res, 400, envelopes.nested("INVALID_REQUEST", problem ?? "invalid query"));
  const compare = (a: Payout, b: Payout): number => {
    const primary =
      sortBy === "amount" ? compareDecimal(a.amountUsd, b.amountUsd)
      : sortBy === "updatedAt" ? a.updatedAt.getTime() - b.updatedAt.getTime()
      : sortBy === "createdAt" ? a.createdAt.getTime() - b.createdAt.getTime()
      : 0;
    return primary !== 0 ? primary : a.id - b.id;
  };
  const sorted = core.payouts.list().sort((a, b) => (order === "asc" ? compare(a, b) : compare(b, a)));
  sendJson(res, 200, { data: sorted.slice(offset, offset + limit).map((payout) => body(core, payout)), total: sorted.length, limit, offset });
}

/** Public, like health: no API key. */
export function handleTicker(core: EmulatorCore, res: ServerResponse): void {
  core.stats.record(PAYOUT_ENDPOINTS.ticker);
  sendJson(res, 200, tickerBody(core.config.payouts));
}
