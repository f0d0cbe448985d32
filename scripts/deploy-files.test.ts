import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

/**
 * The checks CI can make of the container files without Docker (there is none on CI's machine):
 * compose.yaml parses and holds the services, health checks, order and profile the deployment
 * depends on; the Dockerfile builds with the script CI runs and runs as the README says. (hadolint
 * is not used: its npm wrapper downloads the binary from GitHub, out of CI's reach.)
 */
const ROOT = join(import.meta.dirname, "..");
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");

interface Service {
  image?: string;
  build?: { context: string; target?: string };
  profiles?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  environment?: Record<string, string | null>;
  volumes?: string[];
  ports?: string[];
  stop_grace_period?: string;
}

describe("compose.yaml", () => {
  const compose = parse(read("compose.yaml"), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
  const { services } = compose;

  it("runs Postgres with a health check and a volume", () => {
    const postgres = services.postgres!;
    expect(postgres.image).toMatch(/^postgres:/);
    expect(postgres.healthcheck?.test).toContain("pg_isready");
    const [volume] = postgres.volumes![0]!.split(":");
    expect(Object.keys(compose.volumes)).toContain(volume);
  });

  it("runs two shop instances of the image, on Postgres, started once it is healthy", () => {
    for (const name of ["shop1", "shop2"]) {
      const shop = services[name]!;
      expect(shop.build).toMatchObject({ context: ".", target: "runtime" });
      expect(shop.depends_on?.postgres).toEqual({ condition: "service_healthy" });
      expect(shop.environment?.DATABASE_URL).toMatch(/^postgres:\/\/shop:.*@postgres:5432\/shop$/);
      expect(shop.environment).toMatchObject({ NODE_ENV: "production", TRUSTED_PROXY_COUNT: "1" });
      expect(shop.profiles).toBeUndefined();
      // The drain and the graceful stop fit in Docker's grace period.
      expect(Number(shop.environment?.SHUTDOWN_DRAIN_MS) + 25_000).toBeLessThanOrEqual(parseInt(shop.stop_grace_period!, 10) * 1000);
    }
  });

  it("puts a proxy in front of both that follows the README's rules for the live stream", () => {
    const proxy = services.proxy!;
    expect(proxy.image).toMatch(/^caddy:/);
    expect(proxy.depends_on).toEqual({ shop1: { condition: "service_healthy" }, shop2: { condition: "service_healthy" } });
    const mount = proxy.volumes!.find((volume) => volume.startsWith("./deploy/Caddyfile:"));
    expect(mount).toBeDefined();
    const caddyfile = read("deploy/Caddyfile").replace(/#.*$/gm, "");
    expect(caddyfile).toMatch(/reverse_proxy shop1:3000 shop2:3000/);
    expect(caddyfile).toMatch(/health_uri \/api\/health\/ready/);
    expect(caddyfile).toMatch(/flush_interval -1/); // no buffering
    expect(caddyfile).not.toMatch(/\bencode\b/); // no compression
    expect(caddyfile).toMatch(/read_timeout (\d+)m/); // idle far above the 20 s heartbeat
  });

  it("adds the emulator and MailDev in the demo profile only", () => {
    const inDemo = Object.entries(services).filter(([, service]) => service.profiles?.includes("demo")).map(([name]) => name);
    expect(inDemo.sort()).toEqual(["emulator", "maildev"]);
    expect(services.emulator!.build).toMatchObject({ context: ".", target: "emulator" });
    expect(services.emulator!.environment?.EMULATOR_WEBHOOK_URL).toBe("http://proxy/api/webhook");
    expect(services.maildev!.image).toMatch(/^maildev\/maildev:/);
  });
});

/** The Dockerfile's instructions: continuation lines joined, comments left out. */
function instructions(text: string): { stage: string; keyword: string; args: string }[] {
  const joined = text.replace(/\\\n/g, " ").split("\n").map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("#"));
  let stage = "";
  return joined.map((line) => {
    const [keyword, ...rest] = line.split(/\s+/);
    const args = rest.join(" ");
    if (keyword!.toUpperCase() === "FROM") stage = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? "";
    return { stage, keyword: keyword!.toUpperCase(), args };
  });
}

describe("Dockerfile", () => {
  const all = instructions(read("Dockerfile"));
  const stages = all.filter((i) => i.keyword === "FROM").map((i) => i.stage);
  const runtime = all.filter((i) => i.stage === "runtime");
  const execForm = (args: string) => Array.isArray(JSON.parse(args));

  it("builds in its own stage with npm ci and the build script CI runs", () => {
    expect(stages).toEqual(["build", "emulator", "runtime"]);
    const build = all.filter((i) => i.stage === "build" && i.keyword === "RUN").map((i) => i.args);
    expect(build.some((args) => /^npm ci\b/.test(args))).toBe(true);
    expect(build).toContain("npm run build");
    expect(JSON.parse(read("package.json")).scripts.build).toBe("node scripts/build.mjs");
    expect(read("scripts/test.mjs")).toContain('"scripts/build.mjs"');
  });

  it("runs the standalone server as a non-root user, with no install or compiler in the runtime stage", () => {
    expect(all.find((i) => i.keyword === "ARG")?.args).toMatch(/^NODE_IMAGE=node:(20|22|24)-bookworm-slim$/);
    expect(runtime[0]!.args).toMatch(/^\$\{NODE_IMAGE\} AS runtime$/);
    expect(runtime.find((i) => i.keyword === "COPY")?.args).toBe("--from=build /app/.next/standalone ./");
    expect(runtime.some((i) => i.keyword === "RUN" && /npm|apt-get|g\+\+/.test(i.args))).toBe(false);
    const user = runtime.filter((i) => i.keyword === "USER").at(-1)?.args;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
  });

  it("checks liveness with node, hands SIGTERM straight to node, and keeps the SQLite data in a volume", () => {
    const healthcheck = runtime.find((i) => i.keyword === "HEALTHCHECK")!.args;
    const command = JSON.parse(healthcheck.slice(healthcheck.indexOf("CMD ") + 4)) as string[];
    expect(command[0]).toBe("node");
    expect(command.join(" ")).toContain("/api/health'");
    const cmd = runtime.filter((i) => i.keyword === "CMD").at(-1)!.args;
    expect(execForm(cmd)).toBe(true);
    expect(JSON.parse(cmd)).toEqual(["node", "server.js"]);
    expect(runtime.some((i) => i.keyword === "ENTRYPOINT")).toBe(false);
    const env = runtime.filter((i) => i.keyword === "ENV").map((i) => i.args).join(" ");
    expect(env).toContain("DATABASE_URL=file:/app/data/shop.db");
    expect(runtime.find((i) => i.keyword === "VOLUME")?.args).toBe('["/app/data"]');
    for (const cmdOf of all.filter((i) => i.keyword === "CMD")) expect(execForm(cmdOf.args)).toBe(true);
  });
});
