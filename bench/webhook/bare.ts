import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT, spawnTracked, waitFor, type AppEnv, type TrackedChild } from "../../scripts/chaos/processes";

/** Starts bench/webhook/bare-server.ts in its own process, as the standalone server runs in its own. */

export interface BareServer {
  url: string;
  pid: number | undefined;
  output(): string[];
  stop(): Promise<void>;
}

export async function startBareWebhookServer(env: AppEnv, options: { verbose: boolean; cpuProfileDir?: string }): Promise<BareServer> {
  let port = 0;
  if (options.cpuProfileDir) mkdirSync(options.cpuProfileDir, { recursive: true });
  const profile = options.cpuProfileDir ? ["--cpu-prof", "--cpu-prof-dir", options.cpuProfileDir] : [];
  const tracked: TrackedChild = spawnTracked(
    "bare",
    [...profile, "--conditions=react-server", "--import", "tsx", join(__dirname, "bare-server.ts")],
    {
      cwd: ROOT,
      // What the standalone server gets from startApp: a production server with the sweep off.
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? ROOT,
        NODE_ENV: "production",
        SWEEP_INTERVAL_MS: "0",
        ...env,
      },
      verbose: options.verbose,
      onLine: (line) => {
        const listening = /^listening (\d+)$/.exec(line);
        if (listening) port = Number(listening[1]);
      },
    },
  );
  try {
    await waitFor(
      "the bare webhook server to listen",
      () => {
        if (tracked.child.exitCode !== null) throw new Error(`the bare webhook server exited (${tracked.child.exitCode}):\n${tracked.output().slice(-20).join("\n")}`);
        return port;
      },
      { timeoutMs: 60_000, intervalMs: 50 },
    );
  } catch (error) {
    await tracked.stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}`, pid: tracked.child.pid, output: tracked.output, stop: tracked.stop };
}
