import { processWide } from "../process-wide";

/**
 * Whether this server is stopping (SIGTERM or SIGINT received), for readiness
 * (app/api/health/ready): from the signal on it answers 503, so a load balancer drains the instance,
 * while liveness stays 200 until the process exits.
 */
const state = processWide("stopping", () => ({ since: null as number | null, drainMs: 0 }));

export function markStopping(drainMs: number, now = Date.now()): void {
  state.since ??= now;
  state.drainMs = drainMs;
}

export function isStopping(): boolean {
  return state.since !== null;
}

/** Milliseconds of the drain still to run (0 when not stopping or drained). */
export function drainLeftMs(now = Date.now()): number {
  return state.since === null ? 0 : Math.max(0, state.since + state.drainMs - now);
}
