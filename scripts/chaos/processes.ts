import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";

/** Child processes of the chaos run and the benchmarks: app servers, the build, helpers. */

export const ROOT = join(__dirname, "..", "..");
/** The shipped server, made by `npm run build` (scripts/build.mjs): what the Docker image runs. */
export const STANDALONE_SERVER = join(ROOT, ".next", "standalone", "server.js");
/** The build the standalone server serves (written by next build, copied into it). */
export const STANDALONE_BUILD_ID = join(ROOT, ".next", "standalone", ".next", "BUILD_ID");
/** Copied in last by scripts/build.mjs: its presence says the standalone server is complete. */
const STANDALONE_STATIC = join(ROOT, ".next", "standalone", ".next", "static");

/** Polls `check` until it returns a truthy value; throws naming `what` past the deadline. Never a fixed sleep. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, options: { timeoutMs: number; intervalMs?: number }): Promise<NonNullable<T>> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20));
  }
}

/** A free TCP port on 127.0.0.1 (asked of the OS, then released for the server to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}

/** Every child still running, so that any way out (error, SIGINT, exit) stops them. */
const children = new Set<ChildProcess>();

export function killAllChildrenNow(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

/** Stops a child: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    children.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), graceMs);
  });
  if ((await Promise.race([exited, late])) === "late") {
    child.kill("SIGKILL");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2_000))]);
  }
  clearTimeout(timer);
  children.delete(child);
}

export interface TrackedChild {
  child: ChildProcess;
  /** The last lines it printed, for error messages. */
  output(): string[];
  stop(): Promise<void>;
}

const KEPT_LINES = 200;

/** A Node.js child process whose last lines are kept, and which any way out of the run stops. */
export function spawnTracked(
  name: string,
  args: string[],
  options: SpawnOptions & { verbose: boolean; onLine?: (line: string) => void },
): TrackedChild {
  const { verbose, onLine, ...spawnOptions } = options;
  const child = spawn(process.execPath, args, { ...spawnOptions, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.trim() === "") continue;
      lines.push(line);
      if (lines.length > KEPT_LINES) lines.shift();
      if (verbose) console.log(`[${name}] ${line}`);
      onLine?.(line);
    }
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { child, output: () => [...lines], stop: () => stopChild(child) };
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

export interface AppInstance extends TrackedChild {
  name: string;
  url: string;
  port: number;
}

export interface AppEnv {
  DATABASE_URL: string;
  PAYRAM_BASE_URL: string;
  PAYRAM_API_KEY: string;
  PAYRAM_CUSTOMER_PREFIX?: string;
  SESSION_SECRET: string;
  /** The first owner, made at start on a database with no merchant account (both are needed). */
  ADMIN_EMAIL: string;
  ADMIN_PASSWORD: string;
}

/** The standalone server on 127.0.0.1 with the existing build; resolves once /api/health answers 200. */
export async function startApp(name: string, env: AppEnv, options: { verbose: boolean; timeoutMs: number }): Promise<AppInstance> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const app = spawnTracked(name, [STANDALONE_SERVER], {
    cwd: ROOT,
    // Only what the server needs: nothing of the caller's DATABASE_URL, PAYRAM_* or secrets leaks in.
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? ROOT,
      ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      APP_BASE_URL: url,
      SWEEP_INTERVAL_MS: "0",
      ...env,
    },
    verbose: options.verbose,
  });
  const { child } = app;
  const instance: AppInstance = { ...app, name, url, port };

  try {
    await waitFor(
      `${name} (${url}) to answer /api/health`,
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it was healthy:\n${app.output().slice(-20).join("\n")}`);
        }
        try {
          const response = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2_000) });
          await response.body?.cancel();
          return response.status === 200;
        } catch {
          return false;
        }
      },
      { timeoutMs: options.timeoutMs, intervalMs: 100 },
    );
  } catch (error) {
    await instance.stop();
    throw error;
  }
  return instance;
}

/** True once `npm run build` has made the whole standalone server. */
const standaloneBuilt = () => existsSync(STANDALONE_SERVER) && existsSync(STANDALONE_STATIC);

/**
 * Builds the app with `npm run build` when there is no build yet (npm test builds once, beside
 * the unit tests). If another `next build` holds the build lock, waits for its build instead.
 */
export async function buildIfMissing(timeoutMs: number): Promise<boolean> {
  if (standaloneBuilt()) return false;
  console.log("No standalone build in .next/standalone: running npm run build first…");
  const deadline = Date.now() + timeoutMs;
  const child = spawn(process.execPath, [join(ROOT, "scripts", "build.mjs")], {
    cwd: ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let output = "";
  const echo = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-4_000);
    stream.write(chunk);
  };
  child.stdout?.on("data", echo(process.stdout));
  child.stderr?.on("data", echo(process.stderr));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  children.delete(child);
  if (code === 0) return true;
  if (/already running/i.test(output)) {
    console.log("Another next build is running: waiting for its build…");
    await waitFor("the other build to finish (.next/standalone)", standaloneBuilt, { timeoutMs: Math.max(0, deadline - Date.now()), intervalMs: 500 });
    return true;
  }
  throw new Error(`npm run build failed (exit ${code ?? "killed"})`);
}
