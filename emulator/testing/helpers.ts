import { mergeDeep } from "../runtime-config";
import { startEmulator, type Emulator, type EmulatorOptions } from "../server";
import { startReceiver, type Receiver } from "./receiver";

export const API_KEY = "test-key-0123";

/** Polls until `check` returns a truthy value; fails with `what` after the deadline. Never a fixed sleep. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 5_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface Harness {
  emulator: Emulator;
  receiver: Receiver;
  /** fetch against the emulator, with the API key unless `key` is given (null = no header). */
  request(path: string, init?: RequestInit & { key?: string | null; json?: unknown }): Promise<Response>;
  create(body?: Record<string, unknown>): Promise<{ host: string; reference_id: string; url: string }>;
  status(referenceId: string): Promise<Record<string, unknown>>;
  control(path: string, method?: string, body?: unknown): Promise<Response>;
  /** Resets emulator and receiver between tests. */
  reset(): void;
  close(): Promise<void>;
}

let customers = 0;
export const nextCustomer = () => `order_${process.pid}_${++customers}`;

/** An emulator on port 0 whose webhooks go to a fresh receiver, with a fast retry schedule. */
export async function startHarness(options: Omit<EmulatorOptions, "port" | "apiKey" | "webhookUrls"> = {}): Promise<Harness> {
  const receiver = await startReceiver();
  const emulator = await startEmulator({
    port: 0,
    apiKey: API_KEY,
    webhookUrls: [receiver.url],
    ...options,
    config: mergeDeep({ webhooks: { retryScheduleMs: [20, 40, 80], timeoutMs: 2_000 } }, options.config),
  });
  const request: Harness["request"] = (path, init = {}) => {
    const { key = API_KEY, json, headers, ...rest } = init;
    const all = new Headers(headers);
    if (key !== null) all.set("API-Key", key);
    if (json !== undefined) all.set("Content-Type", "application/json");
    return fetch(`${emulator.url}${path}`, { ...rest, headers: all, body: json === undefined ? rest.body : JSON.stringify(json) });
  };
  return {
    emulator,
    receiver,
    request,
    async create(body = {}) {
      const res = await request("/api/v1/payment", {
        method: "POST",
        json: { customerEmail: "shopper@example.com", customerID: nextCustomer(), amountInUSD: 49.99, ...body },
      });
      if (res.status !== 200) throw new Error(`create answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as { host: string; reference_id: string; url: string };
    },
    async status(referenceId) {
      const res = await request(`/api/v1/payment/reference/${referenceId}`);
      if (res.status !== 200) throw new Error(`status answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as Record<string, unknown>;
    },
    control(path, method = "POST", body) {
      return request(`/__emulator${path}`, { method, key: null, json: body });
    },
    reset() {
      emulator.reset();
      receiver.clear();
    },
    async close() {
      await emulator.close();
      await receiver.close();
    },
  };
}
