import { subscribe } from "node:diagnostics_channel";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { processWide } from "./process-wide";

/**
 * The shop's Prometheus metrics (served by app/api/metrics). One registry and one set of metric
 * objects for the whole process: Next.js bundles this module once per layer, and every copy must
 * count into the same numbers. Names follow Prometheus's conventions (`shop_` prefix, `_total`
 * for counters, `_seconds` for durations) and every label takes values from a short fixed set:
 * no order ids, references or paths.
 */
function createMetrics() {
  const registry = new Registry();
  // Process figures (CPU, memory, event-loop lag, open handles), under the usual names.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: "shop_http_request_duration_seconds",
      help: "Time from a request's arrival to the end of its response, by route group, method and status class (live status streams excluded: they stay open by design)",
      labelNames: ["group", "method", "status"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    webhookDeliveries: new Counter({
      name: "shop_webhook_deliveries_total",
      help: "PayRam webhook deliveries by verdict (accepted, duplicate, unknown_reference, ignored, ping, throttled, pending, rejected, unauthorized, refused, failed)",
      labelNames: ["verdict"] as const,
      registers,
    }),
    payramRequestDuration: new Histogram({
      name: "shop_payram_request_duration_seconds",
      help: "Calls to PayRam's API by endpoint and outcome (ok, not_found, client_error, server_error, rate_limited, timeout, network), with their latency; _count is the number of calls",
      labelNames: ["endpoint", "outcome"] as const,
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
      registers,
    }),
    paymentSyncs: new Counter({
      name: "shop_payment_syncs_total",
      help: "Payment syncs with PayRam by what asked (webhook, poll, sweep, merchant, …) and outcome (changed, unchanged, unknown_reference, unknown_at_payram, error)",
      labelNames: ["source", "outcome"] as const,
      registers,
    }),
    rateLimitRefusals: new Counter({
      name: "shop_rate_limit_refusals_total",
      help: "Requests refused by a rate limit, by limit",
      labelNames: ["limit"] as const,
      registers,
    }),
    liveStreams: new Gauge({
      name: "shop_live_streams_open",
      help: "Order status streams (server-sent events) open on this instance",
      registers,
    }),
    // Read from the database (lib/jobs/shop-figures.ts), at most every 15 s.
    orders: new Gauge({
      name: "shop_orders",
      help: "Orders by payment state, as the merchant's list counts them (whole database)",
      labelNames: ["payment_state"] as const,
      registers,
    }),
    refunds: new Gauge({
      name: "shop_refunds",
      help: "Refunds by status (whole database)",
      labelNames: ["status"] as const,
      registers,
    }),
    openPaymentOldestAge: new Gauge({
      name: "shop_open_payment_oldest_age_seconds",
      help: "Age of the oldest payment still open at PayRam (0 when none is open)",
      registers,
    }),
    outboxUnsent: new Gauge({
      name: "shop_mail_outbox_unsent",
      help: "Mails queued and neither sent nor given up on",
      registers,
    }),
    outboxOldestUnsentAge: new Gauge({
      name: "shop_mail_outbox_oldest_unsent_age_seconds",
      help: "Age of the oldest mail not sent yet (0 when none waits)",
      registers,
    }),
    sweepLag: new Gauge({
      name: "shop_sweep_lag_seconds",
      help: "How long the most overdue open payment has waited past its next sync time (0 when none is overdue)",
      registers,
    }),
    figuresReadAt: new Gauge({
      name: "shop_database_figures_read_timestamp_seconds",
      help: "When the database figures (orders, refunds, outbox, sweep lag) were last read",
      registers,
    }),
  };
}

export type ShopMetrics = ReturnType<typeof createMetrics>;

export function metrics(): ShopMetrics {
  return processWide("metrics", createMetrics);
}

/** What a PayRam call came to, as a label: its HTTP status class, or why there was none. */
export function payramOutcome(status: number | "timeout" | "network"): string {
  if (typeof status !== "number") return status;
  if (status >= 200 && status < 300) return "ok";
  if (status === 404) return "not_found";
  if (status === 429) return "rate_limited";
  return status >= 500 ? "server_error" : "client_error";
}

/**
 * The route group a request path belongs to: a short fixed list (no ids), for
 * shop_http_request_duration_seconds. Server actions are POSTs to a page with a Next-Action header.
 */
export function routeGroupOf(path: string, method: string, isAction: boolean): string {
  if (isAction && method === "POST") return path.startsWith("/admin") ? "admin_action" : "action";
  if (path === "/api/webhook") return "webhook";
  if (/^\/api\/orders\/[^/]+\/events$/.test(path)) return "order_events";
  if (/^\/api\/orders\/[^/]+$/.test(path)) return "order_status";
  if (path.startsWith("/api/orders/")) return "order_api";
  if (path === "/api/health" || path === "/api/health/ready") return "health";
  if (path === "/api/metrics") return "metrics";
  if (path.startsWith("/api/downloads/")) return "downloads";
  if (path.startsWith("/admin")) return "admin";
  if (path.startsWith("/_next/") || path.startsWith("/images/") || path.startsWith("/media/") || path === "/favicon.ico") return "assets";
  if (path.startsWith("/checkout")) return "checkout";
  if (path.startsWith("/orders/")) return "order_page";
  if (path === "/" || path === "/cart" || path.startsWith("/products/")) return "shop";
  return "other";
}

const STARTED = Symbol.for("payram-storefront.request-started");

/**
 * Times every request this process's HTTP server answers, from Node's diagnostics channels (the
 * same hook as lib/security/peer.ts): no Next.js internals, every route and page. Status streams
 * are left out of the histogram: they stay open for minutes by design (shop_live_streams_open
 * counts them).
 */
export function installRequestTiming(): void {
  const state = processWide("request-timing", () => ({ installed: false }));
  if (state.installed) return;
  state.installed = true;
  subscribe("http.server.request.start", (message) => {
    const { request } = message as { request: IncomingMessage & { [STARTED]?: number } };
    request[STARTED] = performance.now();
  });
  subscribe("http.server.response.finish", (message) => {
    const { request, response } = message as { request: IncomingMessage & { [STARTED]?: number }; response: ServerResponse };
    const started = request[STARTED];
    if (started === undefined) return;
    const method = request.method ?? "GET";
    const group = routeGroupOf(new URL(request.url ?? "/", "http://shop").pathname, method, request.headers["next-action"] !== undefined);
    if (group === "order_events") return;
    const status = `${Math.floor(response.statusCode / 100)}xx`;
    metrics().httpRequestDuration.observe({ group, method: METHODS.has(method) ? method : "other", status }, (performance.now() - started) / 1000);
  });
}

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
