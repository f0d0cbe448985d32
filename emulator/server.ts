import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { EmulatorCore } from "./core";
import { sendJson } from "./http";
import type { ConfigResult, RuntimeConfig } from "./runtime-config";
import { handleControl } from "./routes/control";
import { handleIndex, handlePage, handlePageCancel, handlePageDeposit } from "./routes/hosted-page-routes";
import { handleCreate, handleHealth, handleSearch, handleStatus } from "./routes/payram-api";
import { handlePayoutCreate, handlePayoutList, handlePayoutRead, handleTicker } from "./routes/payouts-api";
import type { PayoutAction } from "./payouts";
import { resolveSettings, type EmulatorOptions } from "./settings";
import type { DeliveryLogEntry } from "./webhooks";

export type { EmulatorOptions } from "./settings";
export type { RuntimeConfig } from "./runtime-config";
export type { DeliveryLogEntry } from "./webhooks";
export { signatureFor } from "./webhooks";

type PaymentView = NonNullable<ReturnType<EmulatorCore["view"]>>;
type PayoutView = NonNullable<ReturnType<EmulatorCore["payoutView"]>>;
type PayoutCommandResult = { ok: true; payout: PayoutView } | { ok: false; reason: "not-found" | "illegal" };
type CommandResult = { ok: true; payment: PaymentView } | { ok: false; reason: "not-found" | "terminal" | "bad-amount" };

export interface Emulator {
  /** Where the server really listens, e.g. http://127.0.0.1:54321. */
  url: string;
  port: number;
  /** The origin it puts into `host` and `url` of created payments. */
  publicUrl: string;
  close(): Promise<void>;
  /** The same operations as the /__emulator routes, for in-process tests. */
  payments(): PaymentView[];
  payment(referenceId: string): PaymentView | undefined;
  /** `valueInUSD`: what PayRam reports the transfer worth now, if the price moved since the quote. */
  deposit(referenceId: string, amountInUSD: string | number, valueInUSD?: string | number): CommandResult;
  cancel(referenceId: string): CommandResult;
  expire(referenceId: string): CommandResult;
  redeliver(referenceId: string): boolean;
  /** The status reports UNDEFINED for this payment until it next changes (or `on` is false). */
  reportUndefined(referenceId: string, on?: boolean): CommandResult;
  ping(): Promise<DeliveryLogEntry[]>;
  /** Every payout, with its status and the Idempotency-Key it was created with. */
  payouts(): PayoutView[];
  payout(id: number): PayoutView | undefined;
  /** approve, reject, cancel, fail, initiate, send, process: as the /__emulator/payouts/{id}/… routes. */
  payoutAction(id: number, action: PayoutAction, failureReason?: string): PayoutCommandResult;
  deliveries(): DeliveryLogEntry[];
  stats(): ReturnType<EmulatorCore["stats"]["snapshot"]>;
  config(): RuntimeConfig;
  setConfig(patch: unknown): ConfigResult;
  reset(): void;
  /** Timers, webhook requests in flight and hung answers still pending; 0 once closed. */
  pendingWork(): number;
}

function route(core: EmulatorCore, req: IncomingMessage, res: ServerResponse): Promise<void> | void {
  const url = new URL(req.url ?? "/", "http://emulator.invalid");
  const path = url.pathname.replace(/(.)\/+$/, "$1");
  const method = req.method ?? "GET";
  const methodNotAllowed = (allow: string) => sendJson(res, 405, { error: "method not allowed" }, { Allow: allow });

  if (path === "/__emulator" || path.startsWith("/__emulator/")) return handleControl(core, req, res, path, url.searchParams);
  if (path === "/api/v1/payment") return method === "POST" ? handleCreate(core, req, res) : methodNotAllowed("POST");
  if (path === "/api/v1/payment/search") return method === "POST" ? handleSearch(core, req, res) : methodNotAllowed("POST");
  const status = /^\/api\/v1\/payment\/reference\/([^/]+)$/.exec(path);
  if (status) return method === "GET" ? handleStatus(core, req, res, decodeURIComponent(status[1] ?? "")) : methodNotAllowed("GET");
  if (path === "/api/v1/withdrawal/merchant") {
    if (method === "POST") return handlePayoutCreate(core, req, res);
    return method === "GET" ? handlePayoutList(core, req, res, url.searchParams) : methodNotAllowed("GET, POST");
  }
  const payout = /^\/api\/v1\/withdrawal\/([^/]+)\/merchant$/.exec(path);
  if (payout) return method === "GET" ? handlePayoutRead(core, req, res, decodeURIComponent(payout[1] ?? "")) : methodNotAllowed("GET");
  if (path === "/api/v1/ticker") return method === "GET" ? handleTicker(core, res) : methodNotAllowed("GET");
  if (path === "/api/v1/health") return method === "GET" ? handleHealth(core, res) : methodNotAllowed("GET");
  if (path === "/payments") return method === "GET" ? handlePage(core, res, url.searchParams) : methodNotAllowed("GET");
  if (path === "/payments/deposit") return method === "POST" ? handlePageDeposit(core, req, res) : methodNotAllowed("POST");
  if (path === "/payments/cancel") return method === "POST" ? handlePageCancel(core, req, res) : methodNotAllowed("POST");
  if (path === "/" && method === "GET") return handleIndex(core, res);
  sendJson(res, 404, { error: "not found" });
}

/** The answer names the payment that took the operation (a top-up may be a new payment). */
function toCommandResult(core: EmulatorCore, result: { ok: true; payment: { referenceId: string } } | { ok: false; reason: string }): CommandResult {
  if (result.ok) return { ok: true, payment: core.view(result.payment.referenceId) as PaymentView };
  return { ok: false, reason: result.reason as "not-found" | "terminal" | "bad-amount" };
}

/** Starts a PayRam emulator on node:http. Use port 0 in tests; `close()` stops every timer. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const settings = resolveSettings(options);
  // The core needs the bound port (for the default public URL), so it exists only once listening.
  const holder: { core?: EmulatorCore } = {};
  const server = http.createServer((req, res) => {
    const started = Date.now();
    const active = holder.core;
    if (!active) return sendJson(res, 503, { error: "starting" });
    res.on("finish", () => active.log(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`));
    // decodeURIComponent and friends may throw on hostile input; nothing may crash the server.
    Promise.resolve()
      .then(() => route(active, req, res))
      .catch((error: unknown) => {
        active.log(`error handling ${req.method} ${req.url}: ${error instanceof Error ? error.message : String(error)}`);
        sendJson(res, error instanceof URIError ? 400 : 500, { error: error instanceof URIError ? "malformed URL" : "internal emulator error" });
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(settings.port, settings.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = settings.host.includes(":") ? `[${settings.host}]` : settings.host === "0.0.0.0" ? "127.0.0.1" : settings.host;
  // Default: the address it listens on. 127.0.0.1 rather than localhost, so the shop (on
  // localhost) and its PayRam are two sites, as in production.
  const publicUrl = settings.publicUrl ?? `http://${host}:${port}`;
  const ready = new EmulatorCore(settings, publicUrl);
  holder.core = ready;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    publicUrl,
    close() {
      closing ??= new Promise<void>((resolve) => {
        ready.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
    payments: () => ready.views(),
    payment: (referenceId) => ready.view(referenceId),
    deposit: (referenceId, amountInUSD, valueInUSD) => toCommandResult(ready, ready.deposit(referenceId, amountInUSD, valueInUSD)),
    cancel: (referenceId) => toCommandResult(ready, ready.store.cancel(referenceId)),
    expire: (referenceId) => toCommandResult(ready, ready.store.expireNow(referenceId)),
    redeliver: (referenceId) => ready.webhooks.redeliver(referenceId),
    reportUndefined: (referenceId, on = true) => toCommandResult(ready, ready.store.reportUndefined(referenceId, on)),
    ping: () => ready.webhooks.ping(),
    payouts: () => ready.payoutViews(),
    payout: (id) => ready.payoutView(id),
    payoutAction: (id, action, failureReason) => {
      const result = ready.payouts.act(id, action, failureReason);
      return result.ok ? { ok: true, payout: ready.payoutView(id) as PayoutView } : { ok: false, reason: result.reason };
    },
    deliveries: () => ready.webhooks.log(),
    stats: () => ready.stats.snapshot(),
    config: () => structuredClone(ready.config),
    setConfig: (patch) => ready.setConfig(patch),
    reset: () => ready.reset(),
    pendingWork: () => ready.pendingWork(),
  };
}
