import { createHmac, randomUUID } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { FaultDice } from "./faults";
import type { RuntimeConfig } from "./runtime-config";

/**
 * Sends webhooks as PayRam does: signed and/or with the legacy API-Key header, POST or
 * GET-with-body, retried on any status >= 400 or timeout along a schedule, with injectable
 * drop / duplicate / reorder / delay faults. Nothing here ever throws into the API: a dead
 * receiver is normal.
 */

export type DeliveryKind = "payment" | "ping" | "payout";
/** "dropped": one attempt not sent, the schedule goes on; "lost": never sent at all. */
export type DeliveryFault = "dropped" | "lost" | "duplicate" | "reordered" | "delayed";

export interface DeliveryLogEntry {
  id: number;
  deliveryId: number;
  kind: DeliveryKind;
  referenceId: string | null;
  /** The payment status carried by the payload (event_type for ping/payout). */
  status: string | null;
  method: "POST" | "GET";
  url: string | null;
  /** 1 for the first try; 0 when the delivery was never attempted (dropped or skipped). */
  attempt: number;
  outcome: "delivered" | "failed" | "dropped" | "skipped";
  responseStatus: number | null;
  /** "timeout", a connection error code, or why the delivery was skipped. */
  error: string | null;
  signed: boolean;
  legacyHeader: boolean;
  fault: DeliveryFault | null;
  redelivery: boolean;
  /** A progress delivery while a deposit confirms (not a state change). */
  progress: boolean;
  /** When a failed attempt will be retried; null when it will not. */
  nextRetryInMs: number | null;
  /** The last attempt failed and the schedule is spent: PayRam marks the delivery failed. */
  gaveUp: boolean;
  at: string;
  durationMs: number | null;
}

interface Delivery {
  id: number;
  kind: DeliveryKind;
  referenceId: string | null;
  status: string | null;
  body: string;
  url: string;
  method: "POST" | "GET";
  signed: boolean;
  legacyHeader: boolean;
  /** The legacy header is sent empty (the connector-era test ping). */
  emptyKey: boolean;
  test: boolean;
  /** Delays before each retry, already scaled by timeScale. */
  retries: number[];
  timeoutMs: number;
  fault: DeliveryFault | null;
  redelivery: boolean;
  progress: boolean;
}

type SendResult = { status: number } | { error: string };

const LOG_LIMIT = 5000;

export function signatureFor(body: string | Buffer, apiKey: string): string {
  return `sha256=${createHmac("sha256", apiKey).update(body).digest("hex")}`;
}

export class WebhookDispatcher {
  private entries: DeliveryLogEntry[] = [];
  private nextEntryId = 1;
  private nextDeliveryId = 1;
  private roundRobin = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<http.ClientRequest>();
  private held: { delivery: Delivery; timer: NodeJS.Timeout }[] = [];
  private lastBodies = new Map<string, { kind: "payment" | "payout"; body: string; status: string | null; maxRetries: number | null }>();
  private closed = false;
  /** Bumped by reset(): answers to requests started before it are ignored. */
  private generation = 0;

  constructor(
    private readonly apiKey: string,
    private readonly config: () => RuntimeConfig,
    private readonly dice: FaultDice,
    private readonly logLine: (line: string) => void,
  ) {}

  /** A payment changed: deliver its payload, through the configured faults. */
  paymentEvent(referenceId: string, status: string, cancelled: boolean, payload: Record<string, unknown>, progress = false): void {
    const { webhooks } = this.config();
    const skip = !webhooks.enabled ? "webhooks are disabled" : cancelled && !webhooks.sendCancelled ? "sendCancelled is off" : null;
    if (skip) return this.logUnsent({ kind: "payment", referenceId, status, progress }, "skipped", skip);
    this.dispatch("payment", referenceId, status, JSON.stringify(payload), { progress, maxRetries: null });
  }

  /**
   * A real payout changed (event_type payout.<status>): signed and sent like a payment event, through
   * the same faults, with the first `maxRetries` delays of the retry schedule (§9: 0/2/4 s).
   * Logged with kind "payout" and the payout id as referenceId.
   */
  payoutChange(payoutId: string, eventType: string, payload: Record<string, unknown>, maxRetries: number): void {
    if (!this.config().webhooks.enabled) return this.logUnsent({ kind: "payout", referenceId: payoutId, status: eventType }, "skipped", "webhooks are disabled");
    this.dispatch("payout", payoutId, eventType, JSON.stringify(payload), { progress: false, maxRetries });
  }

  private dispatch(kind: "payment" | "payout", referenceId: string, status: string, body: string, options: { progress: boolean; maxRetries: number | null }): void {
    const { faults } = this.config();
    const { progress, maxRetries } = options;
    this.lastBodies.set(referenceId, { kind, body, status, maxRetries });
    const delivery = this.newDelivery(kind, referenceId, status, body, { test: false, redelivery: false, maxRetries });
    if (!delivery) return;
    delivery.progress = progress;
    const f = faults.webhooks;
    // Fixed order of rolls, so a seed replays the same faults.
    if (this.dice.roll(f.lostRate)) return this.logUnsent({ ...delivery, fault: "lost" }, "dropped", null);
    if (this.dice.roll(f.dropRate)) return this.dropFirstAttempt(delivery);
    const duplicate = this.dice.roll(f.duplicateRate);
    const reorder = this.dice.roll(f.reorderRate);
    const delay = this.dice.roll(f.delayRate);
    if (delay) delivery.fault = "delayed";
    if (reorder) {
      delivery.fault = "reordered";
      this.hold(delivery, f.reorderMaxHoldMs);
    } else {
      this.schedule(delivery, 1, delay ? f.delayMs : 0);
    }
    if (duplicate) {
      const copy = this.newDelivery(kind, referenceId, status, body, { test: false, redelivery: false, maxRetries }, delivery.url);
      if (copy) {
        copy.fault = "duplicate";
        copy.progress = progress;
        this.schedule(copy, 1, delay ? f.delayMs : 0);
      }
    }
  }

  /** The first attempt never leaves (logged "dropped"); the retries follow the schedule as after a failure. */
  private dropFirstAttempt(delivery: Delivery): void {
    delivery.fault = "dropped";
    const retry = delivery.retries[0];
    this.logUnsent(delivery, "dropped", null, { attempt: 1, nextRetryInMs: retry ?? null, gaveUp: retry === undefined });
    if (retry !== undefined) this.schedule(delivery, 2, retry);
  }

  /** Sends the last payload of a payment (or payout, by its id) again, byte for byte, without faults. False if none was sent yet. */
  redeliver(referenceId: string): boolean {
    const last = this.lastBodies.get(referenceId);
    if (!last) return false;
    const delivery = this.newDelivery(last.kind, referenceId, last.status, last.body, { test: false, redelivery: true, maxRetries: last.maxRetries });
    if (delivery) this.schedule(delivery, 1, 0);
    return true;
  }

  /**
   * The dashboard's test ping, once to every configured URL; resolves with each attempt's log entry.
   * webhooks.ping "unsigned": X-Webhook-Test: true, no signature, no key (docs). "empty-key": like a
   * payment delivery (signed when signature is on) with an empty API-Key header (connector).
   */
  async ping(): Promise<DeliveryLogEntry[]> {
    const { webhooks } = this.config();
    const body = JSON.stringify({ event_type: "payout.ping", message: "PayRam webhook test", timestamp: Math.floor(Date.now() / 1000) });
    const test = webhooks.ping === "unsigned";
    const attempts = webhooks.urls.map((url) => {
      const delivery = this.newDelivery("ping", null, "payout.ping", body, { test, redelivery: false }, url);
      if (delivery && !test) Object.assign(delivery, { legacyHeader: true, emptyKey: true });
      return delivery ? this.attempt({ ...delivery, retries: [] }, 1) : Promise.resolve(null);
    });
    return (await Promise.all(attempts)).filter((entry): entry is DeliveryLogEntry => entry !== null);
  }

  /** A payout event on the shared endpoint, signed like payment events; the shop must just acknowledge it. */
  payoutEvent(eventType: string): Record<string, unknown> {
    const payload = {
      event_type: eventType,
      payout_id: randomUUID(),
      status: eventType.split(".")[1]?.toUpperCase() ?? "UNKNOWN",
      amount: "10.000000",
      currency: "USDC",
      amount_in_usd: "10.00",
      timestamp: Math.floor(Date.now() / 1000),
    };
    const delivery = this.newDelivery("payout", null, eventType, JSON.stringify(payload), { test: false, redelivery: false });
    if (delivery) this.schedule(delivery, 1, 0);
    return payload;
  }

  /**
   * How the latest delivery for this reference (a payout id) went: "delivered", "failed" (the
   * schedule is spent, or lost), "skipped", or "pending" (not answered yet, retrying, or none yet).
   */
  deliveryStatus(referenceId: string): "pending" | "delivered" | "failed" | "skipped" {
    const last = this.entries.findLast((entry) => entry.referenceId === referenceId);
    if (!last) return "pending";
    const attempts = this.entries.filter((entry) => entry.deliveryId === last.deliveryId);
    if (attempts.some((entry) => entry.outcome === "delivered")) return "delivered";
    if (attempts.some((entry) => entry.gaveUp || entry.fault === "lost")) return "failed";
    if (attempts.some((entry) => entry.outcome === "skipped")) return "skipped";
    return "pending";
  }

  log(): DeliveryLogEntry[] {
    return this.entries.map((entry) => ({ ...entry }));
  }

  /** Timers, requests in flight and held deliveries (for close() checks). */
  pendingCount(): number {
    return this.timers.size + this.inFlight.size + this.held.length;
  }

  /** Forgets everything and stops every timer and request in flight. */
  reset(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const request of this.inFlight) request.destroy();
    this.inFlight.clear();
    for (const { timer } of this.held) clearTimeout(timer);
    this.held = [];
    this.entries = [];
    this.lastBodies = new Map();
    this.roundRobin = 0;
    this.generation++;
  }

  close(): void {
    this.closed = true;
    this.reset();
  }

  private newDelivery(
    kind: DeliveryKind,
    referenceId: string | null,
    status: string | null,
    body: string,
    flags: { test: boolean; redelivery: boolean; maxRetries?: number | null },
    url?: string,
  ): Delivery | null {
    const { webhooks, timeScale } = this.config();
    const target = url ?? this.nextUrl(webhooks.urls);
    const delivery: Delivery = {
      id: this.nextDeliveryId++,
      kind,
      referenceId,
      status,
      body,
      url: target ?? "",
      method: webhooks.method,
      signed: !flags.test && webhooks.signature,
      legacyHeader: !flags.test && webhooks.legacyApiKeyHeader,
      emptyKey: false,
      test: flags.test,
      retries: webhooks.retryScheduleMs.slice(0, flags.maxRetries ?? undefined).map((ms) => Math.round(ms * timeScale)),
      timeoutMs: webhooks.timeoutMs,
      fault: null,
      redelivery: flags.redelivery,
      progress: false,
    };
    if (target === undefined) {
      this.logUnsent(delivery, "skipped", "no webhook URL configured");
      return null;
    }
    return delivery;
  }

  private nextUrl(urls: string[]): string | undefined {
    if (urls.length === 0) return undefined;
    const url = urls[this.roundRobin % urls.length];
    this.roundRobin++;
    return url;
  }

  private hold(delivery: Delivery, maxHoldMs: number): void {
    const timer = this.timer(() => this.release(delivery), maxHoldMs);
    this.held.push({ delivery, timer });
  }

  private release(delivery: Delivery): void {
    const index = this.held.findIndex((entry) => entry.delivery === delivery);
    if (index === -1) return;
    const [entry] = this.held.splice(index, 1);
    if (entry) {
      clearTimeout(entry.timer);
      this.timers.delete(entry.timer);
    }
    this.schedule(delivery, 1, 0);
  }

  private schedule(delivery: Delivery, attempt: number, delayMs: number): void {
    this.timer(() => void this.attempt(delivery, attempt), delayMs);
  }

  private timer(run: () => void, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) run();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private async attempt(delivery: Delivery, attempt: number): Promise<DeliveryLogEntry | null> {
    if (this.closed) return null;
    const generation = this.generation;
    const startedAt = new Date();
    const result = await this.send(delivery);
    if (this.closed || generation !== this.generation) return null;
    const delivered = "status" in result && result.status < 400;
    const retryDelay = delivered ? undefined : delivery.retries[attempt - 1];
    const entry = this.append({
      deliveryId: delivery.id,
      kind: delivery.kind,
      referenceId: delivery.referenceId,
      status: delivery.status,
      method: delivery.method,
      url: delivery.url,
      attempt,
      outcome: delivered ? "delivered" : "failed",
      responseStatus: "status" in result ? result.status : null,
      error: "error" in result ? result.error : null,
      signed: delivery.signed,
      legacyHeader: delivery.legacyHeader,
      fault: delivery.fault,
      redelivery: delivery.redelivery,
      progress: delivery.progress,
      nextRetryInMs: retryDelay ?? null,
      gaveUp: !delivered && retryDelay === undefined,
      at: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
    });
    const answer = "status" in result ? String(result.status) : result.error;
    this.logLine(`webhook #${delivery.id} ${delivery.method} ${delivery.url} ${delivery.status ?? ""} attempt ${attempt} -> ${answer}`);
    if (retryDelay !== undefined) this.schedule(delivery, attempt + 1, retryDelay);
    // A delivery held back for reordering goes out once a later one has been answered.
    if (attempt === 1 && delivery.fault !== "reordered") for (const { delivery: held } of [...this.held]) this.release(held);
    return entry;
  }

  private send(delivery: Delivery): Promise<SendResult> {
    return new Promise((resolve) => {
      let url: URL;
      try {
        url = new URL(delivery.url);
      } catch {
        return resolve({ error: "invalid URL" });
      }
      const headers: Record<string, string | number> = {
        "Content-Type": "application/json",
        "Content-Length": Buffer.byteLength(delivery.body),
        "User-Agent": "PayRam-Emulator/1.0",
      };
      if (delivery.signed) headers["X-Payram-Signature"] = signatureFor(delivery.body, this.apiKey);
      if (delivery.legacyHeader) headers["API-Key"] = delivery.emptyKey ? "" : this.apiKey;
      if (delivery.test) headers["X-Webhook-Test"] = "true";
      const client = url.protocol === "https:" ? https : http;
      let request: http.ClientRequest | undefined;
      let settled = false;
      let status: number | undefined;
      const timeout = setTimeout(() => {
        finish({ error: "timeout" });
        request?.destroy();
      }, delivery.timeoutMs);
      this.timers.add(timeout);
      const finish = (result: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timeout);
        this.timers.delete(timeout);
        if (request) this.inFlight.delete(request);
        resolve(result);
      };
      try {
        // http.request (not fetch) so that a GET can carry its JSON body.
        request = client.request(url, { method: delivery.method, headers, agent: false }, (response) => {
          status = response.statusCode ?? 0;
          response.resume();
          response.on("end", () => finish({ status: status ?? 0 }));
        });
      } catch (error) {
        return finish({ error: error instanceof Error ? error.message : "request failed" });
      }
      this.inFlight.add(request);
      // A destroyed request (reset/close) lands here too; finish() makes the second call a no-op.
      request.on("error", (error: NodeJS.ErrnoException) => finish({ error: error.code ?? error.message }));
      request.on("close", () => finish(status === undefined ? { error: "connection closed" } : { status }));
      request.end(delivery.body);
    });
  }

  private logUnsent(
    delivery: Pick<Delivery, "kind" | "referenceId" | "status"> & Partial<Delivery>,
    outcome: "dropped" | "skipped",
    error: string | null,
    retry: Pick<DeliveryLogEntry, "attempt" | "nextRetryInMs" | "gaveUp"> = { attempt: 0, nextRetryInMs: null, gaveUp: false },
  ): void {
    const { webhooks } = this.config();
    this.append({
      deliveryId: delivery.id ?? this.nextDeliveryId++,
      kind: delivery.kind,
      referenceId: delivery.referenceId,
      status: delivery.status,
      method: delivery.method ?? webhooks.method,
      url: delivery.url || null,
      attempt: retry.attempt,
      outcome,
      responseStatus: null,
      error,
      signed: delivery.signed ?? false,
      legacyHeader: delivery.legacyHeader ?? false,
      fault: delivery.fault ?? null,
      redelivery: delivery.redelivery ?? false,
      progress: delivery.progress ?? false,
      nextRetryInMs: retry.nextRetryInMs,
      gaveUp: retry.gaveUp,
      at: new Date().toISOString(),
      durationMs: null,
    });
  }

  private append(entry: Omit<DeliveryLogEntry, "id">): DeliveryLogEntry {
    const full = { id: this.nextEntryId++, ...entry };
    this.entries.push(full);
    if (this.entries.length > LOG_LIMIT) this.entries.splice(0, this.entries.length - LOG_LIMIT);
    return full;
  }
}
