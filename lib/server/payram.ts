import "server-only";
import { loadConfig } from "../config";
import { createPayramClient, type PayramClient } from "../payram/client";
import { payramIsReachable } from "../payram/health";
import { processWide } from "../process-wide";

let instance: PayramClient | undefined;

/** The app's PayRam client, built from the validated configuration. */
export function getPayram(): PayramClient {
  if (!instance) {
    const { payram } = loadConfig();
    instance = createPayramClient({ baseUrl: payram.baseUrl, apiKey: payram.apiKey, timeoutMs: payram.timeoutMs });
  }
  return instance;
}

/** How long one answer about PayRam's reachability is reused, and how long asking may take. */
const REACHABILITY_FOR_MS = 10_000;
const REACHABILITY_TIMEOUT_MS = 2_000;

const reachability = processWide("payram-reachability", () => ({ at: 0, reachable: false, asking: null as Promise<boolean> | null }));

/**
 * Whether PayRam answers its health route, for readiness: asked at most once every 10 s per
 * process (load balancers probe often), and at most 2 s of waiting.
 */
export async function payramReachability(now = Date.now()): Promise<boolean> {
  if (now - reachability.at < REACHABILITY_FOR_MS) return reachability.reachable;
  reachability.asking ??= payramIsReachable(loadConfig().payram.baseUrl, REACHABILITY_TIMEOUT_MS)
    .then((reachable) => {
      Object.assign(reachability, { at: Date.now(), reachable });
      return reachable;
    })
    .finally(() => {
      reachability.asking = null;
    });
  return reachability.asking;
}
