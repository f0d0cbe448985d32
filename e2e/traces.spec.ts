import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { expect, test } from "@playwright/test";
import { createDb } from "../lib/db";
import { signWebhookBody } from "../lib/payram/webhook";
import { STANDALONE_SERVER } from "../scripts/chaos/processes";
import { checkoutToPayram, emulatorControl } from "./shop";
import { APP_PORT, E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD, E2E_API_KEY, E2E_SESSION_SECRET, EMULATOR_URL } from "./urls";

/** A span as OTLP/HTTP's JSON encoding carries it (the parts this test reads). */
interface Span {
  traceId: string;
  name: string;
  attributes: Record<string, unknown>;
}

/**
 * A tiny OTLP/HTTP receiver (what an OpenTelemetry collector listens with on :4318): it keeps every
 * span exported to POST /v1/traces. The shop exports JSON here (OTEL_EXPORTER_OTLP_PROTOCOL=http/json;
 * @vercel/otel's default is protobuf, the same data).
 */
async function startReceiver() {
  const spans: Span[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.method === "POST" && request.url === "/v1/traces") {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          resourceSpans: { scopeSpans: { spans: { traceId: string; name: string; attributes?: { key: string; value: Record<string, unknown> }[] }[] }[] }[];
        };
        for (const resource of body.resourceSpans) {
          for (const scope of resource.scopeSpans) {
            for (const span of scope.spans) {
              spans.push({ traceId: span.traceId, name: span.name, attributes: Object.fromEntries((span.attributes ?? []).map((a) => [a.key, Object.values(a.value)[0]])) });
            }
          }
        }
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { spans, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

const PORT = APP_PORT + 130;
const SHOP = `http://localhost:${PORT}`;

test("with OTEL_EXPORTER_OTLP_ENDPOINT, a checkout, a status sync and a webhook are traces holding the PayRam call and the database transaction, with the logs' request id", async ({ browser }) => {
  test.setTimeout(90_000);
  const receiver = await startReceiver();
  const dir = mkdtempSync(join(tmpdir(), "shop-traces-"));
  const logs: string[] = [];
  const server = spawn(process.execPath, [STANDALONE_SERVER], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(PORT),
      HOSTNAME: "::",
      APP_BASE_URL: SHOP,
      DATABASE_URL: `file:${join(dir, "shop.db")}`,
      PAYRAM_BASE_URL: EMULATOR_URL,
      PAYRAM_API_KEY: E2E_API_KEY,
      // Not the suite's server's customers: the emulator's deliveries to it are none of its business.
      PAYRAM_CUSTOMER_PREFIX: "traced_",
      SESSION_SECRET: E2E_SESSION_SECRET,
      ADMIN_EMAIL: E2E_ADMIN_EMAIL,
      ADMIN_PASSWORD: E2E_ADMIN_PASSWORD,
      SWEEP_INTERVAL_MS: "0",
      LOG_LEVEL: "info",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      // Spans are sent in batches: small ones, soon.
      OTEL_BSP_SCHEDULE_DELAY: "100",
    },
    stdio: ["ignore", "pipe", "ignore"],
  });
  createInterface({ input: server.stdout! }).on("line", (line) => logs.push(line));
  const exited = new Promise((resolve) => server.once("exit", resolve));
  const context = await browser.newContext({ baseURL: SHOP, extraHTTPHeaders: { "x-request-id": "trace-checkout", "x-forwarded-for": "198.51.100.90" } });
  try {
    await expect.poll(() => fetch(`${SHOP}/api/health`).then((r) => r.status, () => 0), { timeout: 30_000 }).toBe(200);

    /** The spans of one request id: its PayRam call and its transaction, in one trace; and its log lines. */
    const traced = (requestId: string, payramEndpoint: string) =>
      expect
        .poll(
          () => {
            const mine = receiver.spans.filter((span) => span.attributes["request.id"] === requestId);
            const call = mine.find((span) => span.name === `PayRam ${payramEndpoint}`);
            const transaction = mine.find((span) => span.name === "db transaction" && span.traceId === call?.traceId);
            return call && transaction ? "traced" : `spans of ${requestId}: ${mine.map((span) => span.name).join(", ") || "none"}`;
          },
          { timeout: 15_000 },
        )
        .toBe("traced");
    const logged = (requestId: string) => logs.filter((line) => line.includes(`"requestId":"${requestId}"`)).map((line) => (JSON.parse(line) as { msg: string }).msg);

    // A checkout (the browser's server action): PayRam's create and the order's transaction.
    const page = await context.newPage();
    const referenceId = await checkoutToPayram(page);
    await traced("trace-checkout", "create_payment");
    expect(logged("trace-checkout")).toContain("payment opened");

    // A status poll that syncs: PayRam's GET and the transaction applying a part payment.
    const db = createDb({ kind: "sqlite", path: join(dir, "shop.db") });
    const { order_id: orderId } = await db.selectFrom("payment_attempts").select("order_id").where("reference_id", "=", referenceId).executeTakeFirstOrThrow();
    await db.destroy();
    await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: "1.00" });
    const poll = async () => (await (await fetch(`${SHOP}/api/orders/${orderId}`, { headers: { "x-request-id": "trace-sync" } })).json()) as { state?: string; remainingUsd?: string };
    await expect.poll(poll, { timeout: 15_000 }).toMatchObject({ state: "PARTIALLY_FILLED" });
    await traced("trace-sync", "get_payment");

    // A webhook: authenticated, synced, applied in a transaction.
    await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: (await poll()).remainingUsd });
    const body = Buffer.from(JSON.stringify({ reference_id: referenceId, status: "FILLED" }));
    const delivered = await fetch(`${SHOP}/api/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-payram-signature": signWebhookBody(body, E2E_API_KEY), "x-request-id": "trace-webhook" },
      body,
    });
    expect(await delivered.json()).toEqual({ ok: true, result: "accepted" });
    await traced("trace-webhook", "get_payment");
    expect(logged("trace-webhook")).toContain("webhook delivery");
  } finally {
    await context.close();
    server.kill("SIGTERM");
    await exited;
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
