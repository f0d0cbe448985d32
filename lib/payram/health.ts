import { metrics, payramOutcome } from "../metrics";

/**
 * Whether PayRam's public health route (`GET /api/v1/health`, no key) answers 2xx within
 * `timeoutMs`, for the shop's readiness report. Counted like every PayRam call.
 */
export async function payramIsReachable(baseUrl: string, timeoutMs: number): Promise<boolean> {
  const started = performance.now();
  let outcome: string;
  try {
    const response = await fetch(`${baseUrl}/api/v1/health`, { signal: AbortSignal.timeout(timeoutMs), cache: "no-store", redirect: "error" });
    await response.body?.cancel();
    outcome = payramOutcome(response.status);
  } catch (error) {
    outcome = error instanceof Error && error.name === "TimeoutError" ? "timeout" : "network";
  }
  metrics().payramRequestDuration.observe({ endpoint: "health", outcome }, (performance.now() - started) / 1000);
  return outcome === "ok";
}
