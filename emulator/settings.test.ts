import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseCli, resolveSettings } from "./settings";
import { waitFor } from "./testing/helpers";

describe("start settings", () => {
  it("defaults match the shop's defaults", () => {
    const settings = resolveSettings();
    expect(settings).toMatchObject({ port: 4000, host: "127.0.0.1", apiKey: "emulator-dev-key", publicUrl: null, maxBodyBytes: 65536 });
    expect(settings.initialConfig.project).toEqual({
      merchantName: "Lumen Goods",
      successUrl: "http://localhost:3000/checkout/return",
      cancelUrl: "http://localhost:3000/checkout/return",
    });
    expect(settings.initialConfig.webhooks).toMatchObject({
      urls: ["http://localhost:3000/api/webhook"],
      method: "POST",
      timeoutMs: 60_000,
      retryScheduleMs: [0, 2000, 4000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000, 86_400_000, 172_800_000],
    });
  });

  it("reads EMULATOR_* variables, and flags win over them", () => {
    const cli = parseCli(["--port", "4100", "--webhook-method=get", "--seed", "9"], {
      EMULATOR_PORT: "4200",
      EMULATOR_API_KEY: "k",
      EMULATOR_WEBHOOK_URL: "http://a.test/hook, http://b.test/hook",
      EMULATOR_PUBLIC_URL: "http://127.0.0.1:4100/",
      EMULATOR_STATUS_SHAPE: "snake",
      EMULATOR_RETRY_SCHEDULE_MS: "10,20",
      EMULATOR_WEBHOOK_SIGNATURE: "false",
      EMULATOR_CONFIG: '{"webhooks":{"method":"POST","timeoutMs":500},"api":{"amounts":"number"}}',
    });
    if (cli.kind !== "run") throw new Error("expected run");
    const settings = resolveSettings(cli.options);
    expect(settings).toMatchObject({ port: 4100, apiKey: "k", publicUrl: "http://127.0.0.1:4100" });
    expect(settings.initialConfig.webhooks).toMatchObject({
      urls: ["http://a.test/hook", "http://b.test/hook"],
      method: "GET",
      signature: false,
      timeoutMs: 500,
      retryScheduleMs: [10, 20],
    });
    expect(settings.initialConfig.api).toMatchObject({ statusShape: "snake", amounts: "number" });
    expect(settings.initialConfig.faults.seed).toBe(9);
    expect(settings.log).not.toBeNull();
  });

  it("refuses unknown flags, missing values and bad settings with a clear message", () => {
    expect(() => parseCli(["--nope"], {})).toThrow(/unknown argument/);
    expect(() => parseCli(["--port"], {})).toThrow(/needs a value/);
    expect(() => parseCli([], { EMULATOR_PORT: "abc" })).toThrow(/port must be a whole number/);
    expect(() => parseCli([], { EMULATOR_WEBHOOK_SIGNATURE: "maybe" })).toThrow(/true or false/);
    expect(() => resolveSettings({ port: 70000 })).toThrow(/port/);
    expect(() => resolveSettings({ webhookUrls: "not a url" })).toThrow(/webhookUrls/);
    const cli = parseCli([], { EMULATOR_STATUS_SHAPE: "kebab" });
    if (cli.kind !== "run") throw new Error("expected run");
    expect(() => resolveSettings(cli.options)).toThrow(/api\.statusShape/);
    expect(parseCli(["--help"], {})).toEqual({ kind: "help" });
  });

  it("--profile / EMULATOR_PROFILE lay a bundle of readings under --config and the shortcut flags", () => {
    const settingsOf = (argv: string[], env: Record<string, string>) => {
      const cli = parseCli(argv, env);
      if (cli.kind !== "run") throw new Error("expected run");
      return resolveSettings(cli.options).initialConfig;
    };
    expect(settingsOf([], {}).profile).toBe("docs-2026");
    const fromEnv = settingsOf([], { EMULATOR_PROFILE: "connector-2026" });
    expect(fromEnv).toMatchObject({ profile: "connector-2026", api: { topUp: "new-reference", unknownReference: "500" }, webhooks: { sendCancelled: false } });
    const refined = settingsOf(["--profile", "connector-2026", "--unknown-reference=404", "--time-scale", "0.001", "--confirmation-ms", "500"], { EMULATOR_PROFILE: "docs-2026" });
    expect(refined).toMatchObject({ profile: "connector-2026", timeScale: 0.001, api: { topUp: "new-reference", unknownReference: "404" }, confirmations: { durationMs: 500, progressEveryMs: 3_000 } });
    expect(() => settingsOf(["--profile", "shopify"], {})).toThrow(/profile/);
  });
});

describe("npm run emulator (emulator/main.ts)", () => {
  it("starts from EMULATOR_* variables, serves, never prints the API key, and stops on SIGTERM", async () => {
    const root = path.resolve(__dirname, "..");
    const secret = "secret-key-that-must-not-be-logged";
    // As `npm run emulator` runs it: node with tsx's loader, so SIGTERM reaches the program itself
    // (tsx's CLI relays signals and kills a child that does not confirm within 30 ms: 143 on a busy machine).
    const child = spawn(process.execPath, ["--import", "tsx", "emulator/main.ts"], {
      cwd: root,
      env: { ...process.env, EMULATOR_PORT: "0", EMULATOR_API_KEY: secret, EMULATOR_WEBHOOK_URL: "http://127.0.0.1:9/dead" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    try {
      const url = (await waitFor("the banner", () => /listening on (http:\/\/\S+)/.exec(output)?.[1], 15_000)) as string;
      const create = await fetch(`${url}/api/v1/payment`, {
        method: "POST",
        headers: { "API-Key": secret, "Content-Type": "application/json" },
        body: JSON.stringify({ customerEmail: "a@example.com", customerID: "c1", amountInUSD: 1 }),
      });
      expect(create.status).toBe(200);
      const { reference_id } = (await create.json()) as { reference_id: string };
      await fetch(`${url}/__emulator/payments/${reference_id}/deposit`, { method: "POST", body: '{"amountInUSD":"1"}' });
      await fetch(`${url}/api/v1/payment/reference/${reference_id}`, { headers: { "API-Key": "wrong" } });
      await waitFor("the webhook attempt log line", () => output.includes("webhook #1"), 5_000);
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(output).toContain("POST /api/v1/payment 200");
      expect(output).not.toContain(secret);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
