import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { stopChild } from "../scripts/chaos/processes";

/**
 * The bench's own child processes (the bare webhook server, the blank Next app): their output
 * kept for error messages, and every one killed however the bench ends. The shop's production
 * servers are started by the chaos suite's `startApp`, which tracks its own.
 */
const running = new Set<ChildProcess>();

export interface TrackedChild {
  child: ChildProcess;
  /** The last lines it printed. */
  output(): string[];
  stop(): Promise<void>;
}

const KEPT_LINES = 200;

export function spawnTracked(
  name: string,
  args: string[],
  options: SpawnOptions & { verbose: boolean; onLine?: (line: string) => void },
): TrackedChild {
  const child = spawn(process.execPath, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  child.once("exit", () => running.delete(child));
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.trim() === "") continue;
      lines.push(line);
      if (lines.length > KEPT_LINES) lines.shift();
      if (options.verbose) console.log(`[${name}] ${line}`);
      options.onLine?.(line);
    }
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return {
    child,
    output: () => [...lines],
    stop: async () => {
      await stopChild(child);
      running.delete(child);
    },
  };
}

/** Resolves with the child's exit code; rejects past `timeoutMs` (and kills it). */
export function exitOf(tracked: TrackedChild, timeoutMs: number): Promise<number | null> {
  const { child } = tracked;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

export function killBenchChildrenNow(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}
