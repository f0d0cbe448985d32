import { startEmulator, type Emulator } from "@/emulator/server";
import { createPayramClient } from "@/lib/payram/client";

export const TEST_API_KEY = "shop-test-key-0123";

export interface TestPayram {
  emulator: Emulator;
  /** The shop's PayRam client, talking to the emulator over HTTP. */
  client: ReturnType<typeof createPayramClient>;
  /** A control route of the emulator, over HTTP. */
  control<T = unknown>(path: string, method?: string, body?: unknown): Promise<T>;
  /** Every payment the emulator holds (GET /__emulator/payments). */
  payments(): Promise<EmulatorPayment[]>;
  /** A shopper's transfer arrives at PayRam. */
  deposit(referenceId: string, amountInUSD: string): Promise<unknown>;
  /** How often the shop asked PayRam for this payment's status (GET /__emulator/stats). */
  statusCalls(referenceId: string): Promise<number>;
}

export interface EmulatorPayment {
  referenceId: string;
  invoiceId: string;
  customerId: string;
  customerEmail: string;
  state: string;
  amountInUSD: string;
  filledAmountInUSD: string;
  url: string;
}

/** A real emulator on a free port, with webhooks off unless a test turns them on. */
export async function startTestPayram(options: { timeoutMs?: number; webhookUrls?: string[] } = {}): Promise<TestPayram> {
  const emulator = await startEmulator({
    port: 0,
    apiKey: TEST_API_KEY,
    webhookUrls: options.webhookUrls ?? [],
    log: false,
    config: { webhooks: { enabled: options.webhookUrls !== undefined, retryScheduleMs: [0, 50, 100] } },
  });
  const control = async <T,>(path: string, method = "GET", body?: unknown): Promise<T> => {
    const response = await fetch(`${emulator.url}/__emulator${path}`, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`emulator ${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  return {
    emulator,
    client: createPayramClient({ baseUrl: emulator.url, apiKey: TEST_API_KEY, timeoutMs: options.timeoutMs ?? 2_000 }),
    control,
    payments: async () => (await control<{ payments: EmulatorPayment[] }>("/payments")).payments,
    deposit: (referenceId, amountInUSD) => control(`/payments/${referenceId}/deposit`, "POST", { amountInUSD }),
    statusCalls: async (referenceId) => {
      const stats = await control<{ byReference: Record<string, Record<string, number>> }>("/stats");
      return stats.byReference[referenceId]?.["GET /api/v1/payment/reference/:id"] ?? 0;
    },
  };
}
