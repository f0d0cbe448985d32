import { elapsed, log } from "../log";
import { sweepDue, type SearchSchedule } from "../payments/sweep";
import type { SyncDeps } from "../payments/sync";

/**
 * The in-process schedule, started with the server. Never overlaps itself. `stop` ends it and
 * resolves once the batch in progress, if any, has finished: a shutdown lets it complete.
 */
export function startSweepSchedule(
  deps: SyncDeps,
  options: { intervalMs: number; payramTimeoutMs: number; search?: SearchSchedule },
  onError: (error: unknown) => void,
): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  let stopped = false;
  const timer = setInterval(() => {
    if (running) return;
    const started = performance.now();
    running = sweepDue(deps, { stopped: () => stopped, payramTimeoutMs: options.payramTimeoutMs, search: options.search })
      .then((result) => {
        if (result.checked > 0) log.info({ event: "sweep", ...result, ms: elapsed(started) }, "sweep");
      })
      .catch(onError)
      .finally(() => {
        running = null;
      });
  }, options.intervalMs);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      return running ?? Promise.resolve();
    },
  };
}
