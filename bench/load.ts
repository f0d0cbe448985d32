import autocannon from "autocannon";
import { cpuMsOf } from "./process-cpu";

/** HTTP load with autocannon, reduced to the figures the report prints. */

export interface LoadResult {
  connections: number;
  /** Responses received. */
  requests: number;
  seconds: number;
  /** Responses per second over the whole run (total / wall time). */
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx answers, connection errors and timeouts: any of them makes the figure suspect. */
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** CPU time the server process spent per answer (user + system): robust to a busy machine, unlike req/s. */
  serverCpuMsPerRequest: number | null;
}

export interface LoadSpec {
  url: string;
  connections: number;
  /** Exactly this many requests… */
  amount?: number;
  /** …or for this many seconds. */
  seconds?: number;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  /** The server's process, to charge it its CPU time. */
  serverPid?: number;
  /** The i-th request sent (0, 1, 2… across every connection). */
  request(index: number): { path: string; body?: string; headers?: Record<string, string> };
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  let sent = 0;
  // autocannon only notices the end of a run on its once-a-second tick: the wall time is taken
  // from the first request sent to the last answer received instead.
  let firstSentAt = 0;
  let lastAnsweredAt = 0;
  const cpuBefore = cpuMsOf(spec.serverPid);
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    ...(spec.amount !== undefined ? { amount: spec.amount } : { duration: spec.seconds ?? 10 }),
    timeout: 30,
    method: spec.method ?? "GET",
    headers: spec.headers,
    requests: [
      {
        setupRequest: (request) => {
          if (sent === 0) firstSentAt = performance.now();
          const next = spec.request(sent++);
          return { ...request, path: next.path, body: next.body, headers: { ...request.headers, ...next.headers } };
        },
      },
    ],
  });
  instance.on("response", () => {
    lastAnsweredAt = performance.now();
  });
  const result = await instance;
  const seconds = (lastAnsweredAt - firstSentAt) / 1000;
  await waitUntilIdle(spec.url);
  const cpuAfter = cpuMsOf(spec.serverPid);
  return {
    connections: spec.connections,
    requests: result.requests.total,
    seconds,
    perSecond: result.requests.total / seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, stat]) => [code, Number(stat.count)])),
    // Measured past the drain, so the requests still queued when autocannon stopped are paid for too.
    serverCpuMsPerRequest: cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / Math.max(1, result.requests.total),
  };
}

/**
 * After a run the server may still be working through requests whose connections autocannon
 * has closed: the next measurement starts once two requests in a row answer within 100 ms.
 */
async function waitUntilIdle(url: string): Promise<void> {
  let fast = 0;
  const deadline = Date.now() + 60_000;
  while (fast < 2 && Date.now() < deadline) {
    const started = performance.now();
    try {
      const response = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(10_000) });
      await response.body?.cancel();
    } catch {
      // Busy enough to time out: not idle.
    }
    fast = performance.now() - started < 100 ? fast + 1 : 0;
  }
}

/** "3 non-2xx (503 ×3), 1 error", or "" when every answer was a 2xx. */
export function describeFailures(result: LoadResult): string {
  const parts: string[] = [];
  if (result.non2xx > 0) {
    const codes = Object.entries(result.statusCodes)
      .filter(([code]) => !code.startsWith("2"))
      .map(([code, count]) => `${code} ×${count}`)
      .join(", ");
    parts.push(`${result.non2xx} non-2xx (${codes})`);
  }
  if (result.errors > 0) parts.push(`${result.errors} errors`);
  if (result.timeouts > 0) parts.push(`${result.timeouts} timeouts`);
  return parts.join(", ");
}
