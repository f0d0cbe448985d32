import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { STANDALONE_SERVER } from "../scripts/chaos/processes";

export interface NextServer {
  url: string;
  /** Its log lines (JSON), for a failing test's report. */
  logs: string[];
  stop(): Promise<void>;
}

/**
 * Another standalone server of the run's one build (`.next/standalone`, made by `npm run
 * build`), on its own port and environment (paths in it absolute: the server runs from its folder). Resolves once `/api/health` answers.
 */
export async function startNextServer(port: number, env: Record<string, string>, timeoutMs = 30_000): Promise<NextServer> {
  const logs: string[] = [];
  const child: ChildProcess = spawn(process.execPath, [STANDALONE_SERVER], {
    env: { PATH: process.env.PATH, NODE_ENV: "production", PORT: String(port), HOSTNAME: "::", NEXT_TELEMETRY_DISABLED: "1", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  createInterface({ input: child.stdout! }).on("line", (line) => logs.push(line));
  createInterface({ input: child.stderr! }).on("line", (line) => logs.push(line));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const server: NextServer = {
    url: `http://localhost:${port}`,
    logs,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server on ${port} exited (${child.exitCode}):\n${logs.join("\n")}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/api/health`)).ok) return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`the server on ${port} did not answer /api/health within ${timeoutMs} ms:\n${logs.join("\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
