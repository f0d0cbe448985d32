import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { expect, test } from "@playwright/test";
import { createDb, migrate, type Db } from "../lib/db";
import { signWebhookBody } from "../lib/payram/webhook";
import { SYNC_LEASE_MS } from "../lib/payments/sync-claim";
import { STANDALONE_SERVER } from "../scripts/chaos/processes";
import { startTestPayram, TEST_API_KEY, type TestPayram } from "../test/emulator";
import { placeOrder, TEST_SECRET, type PlacedOrder } from "../test/shop";
import { APP_PORT } from "./urls";

/**
 * Stopping the server, politely (SIGTERM) or not (SIGKILL), in the middle of a burst of PayRam
 * deliveries: every delivery the shop acknowledged must be applied. PayRam retries the rest.
 */
// Beside the suite's own server (3310 by default); another checkout's suite moves both.
const PORT = APP_PORT + 110;
const ORDERS = 40;

let payram: TestPayram;
let dir: string;
let db: Db;
let orders: PlacedOrder[];

test.beforeAll(async () => {
  payram = await startTestPayram({ webhookUrls: [] });
  dir = mkdtempSync(join(tmpdir(), "shop-shutdown-"));
  db = createDb({ kind: "sqlite", path: join(dir, "shop.db") });
  await migrate(db);
});

test.afterAll(async () => {
  await db.destroy();
  await payram.emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The standalone server on the test database; its log lines (JSON) are collected in `logs`. */
function startServer(env: Record<string, string> = {}, logs: string[] = []): Promise<ChildProcess> {
  const server = spawn(process.execPath, [STANDALONE_SERVER], {
    env: { PATH: process.env.PATH, NODE_ENV: "production", PORT: String(PORT), HOSTNAME: "127.0.0.1", NEXT_TELEMETRY_DISABLED: "1", DATABASE_URL: `file:${join(dir, "shop.db")}`, PAYRAM_BASE_URL: payram.emulator.url, PAYRAM_API_KEY: TEST_API_KEY, SESSION_SECRET: TEST_SECRET, ADMIN_EMAIL: "owner@shop.localhost", ADMIN_PASSWORD: "shutdown-test-password", SWEEP_INTERVAL_MS: "0", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "ignore"],
  });
  createInterface({ input: server.stdout! }).on("line", (line) => logs.push(line));
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 30_000;
    const poll = async () => {
      try {
        if ((await fetch(`http://127.0.0.1:${PORT}/api/health`)).ok) return resolve(server);
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) return reject(new Error("server did not start"));
      setTimeout(poll, 100);
    };
    void poll();
  });
}

/** Paid orders whose news has not reached the shop yet. */
async function paidOrdersAwaitingNews(count = ORDERS): Promise<PlacedOrder[]> {
  const placed: PlacedOrder[] = [];
  for (let i = 0; i < count; i++) {
    const order = await placeOrder(db, payram);
    await payram.deposit(order.referenceId, "9.49");
    placed.push(order);
  }
  return placed;
}

function deliver(order: PlacedOrder): Promise<number | "no answer"> {
  const body = Buffer.from(JSON.stringify({ reference_id: order.referenceId, status: "FILLED" }));
  return fetch(`http://127.0.0.1:${PORT}/api/webhook`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-payram-signature": signWebhookBody(body, TEST_API_KEY) },
    body,
  }).then(
    (response) => response.status,
    () => "no answer" as const,
  );
}

async function burstThenStop(signal: NodeJS.Signals) {
  orders = await paidOrdersAwaitingNews();
  const server = await startServer();
  const exited = new Promise((resolve) => server.once("exit", resolve));
  let acknowledged = 0;
  const answers = orders.map((order) =>
    deliver(order).then((status) => {
      if (status === 200 && ++acknowledged === 5) server.kill(signal);
      return status;
    }),
  );
  const statuses = await Promise.all(answers);
  await exited;
  return statuses;
}

async function expectAcknowledgedApplied(statuses: (number | "no answer")[]) {
  const acknowledged = orders.filter((_, i) => statuses[i] === 200);
  expect(acknowledged.length).toBeGreaterThanOrEqual(5);
  const attempts = await db.selectFrom("payment_attempts").select(["reference_id", "state"]).where("reference_id", "in", acknowledged.map((o) => o.referenceId)).execute();
  expect(attempts.filter((a) => a.state !== "FILLED")).toEqual([]);
  const fulfilled = await db.selectFrom("fulfilments").select("order_id").where("order_id", "in", acknowledged.map((o) => o.orderId)).execute();
  expect(fulfilled).toHaveLength(acknowledged.length);
  // Every answer is a 200 or no answer at all (then PayRam delivers again): never a false "ok".
  expect(statuses.every((s) => s === 200 || s === "no answer" || s >= 500)).toBe(true);
}

test("SIGTERM during a burst of deliveries: every acknowledged one is applied", async () => {
  test.setTimeout(120_000);
  await expectAcknowledgedApplied(await burstThenStop("SIGTERM"));
});

test("kill -9 during a burst, then a restart: no acknowledged delivery is lost, and the rest are applied on redelivery", async () => {
  test.setTimeout(120_000);
  const statuses = await burstThenStop("SIGKILL");
  await expectAcknowledgedApplied(statuses);
  // PayRam delivers again what was not acknowledged; the restarted shop applies it.
  const server = await startServer();
  try {
    const again = await Promise.all(orders.filter((_, i) => statuses[i] !== 200).map(deliver));
    expect(again.every((s) => s === 200)).toBe(true);
    // A reference whose sync the killed process had claimed is asked about once that claim's
    // lease ends (the delivery was acknowledged and its news stored): applied within it.
    const states = async () => (await db.selectFrom("payment_attempts").select("state").where("reference_id", "in", orders.map((o) => o.referenceId)).execute()).map((a) => a.state);
    await expect.poll(states, { timeout: SYNC_LEASE_MS + 15_000 }).toEqual(orders.map(() => "FILLED"));
  } finally {
    server.kill("SIGTERM");
  }
});

test("SIGTERM during a sweep batch: the batch is finished, then the database closed, before the process exits", async () => {
  test.setTimeout(120_000);
  // Paid at PayRam, no webhook: only the sweep can bring the news. PayRam answers slowly, so
  // the batch (8 payments, 4 at a time) takes seconds, and SIGTERM arrives in its middle.
  orders = await paidOrdersAwaitingNews(8);
  // These 8 are due now, together, and nothing else left open by the tests above is: the first
  // batch is exactly these.
  const mine = orders.map((o) => o.referenceId);
  await db.updateTable("payment_attempts").set({ next_sync_at: "9999-01-01T00:00:00.000Z" }).where("reference_id", "not in", mine).execute();
  await db.updateTable("payment_attempts").set({ next_sync_at: null }).where("reference_id", "in", mine).execute();
  await payram.control("/config", "PUT", { faults: { status: { latencyMs: 1_500 } } });
  const logs: string[] = [];
  const server = await startServer({ SWEEP_INTERVAL_MS: "200", LOG_LEVEL: "info" }, logs);
  const exited = new Promise<number | null>((resolve) => server.once("exit", (code) => resolve(code)));
  try {
    await expect.poll(async () => (await Promise.all(orders.map((o) => payram.statusCalls(o.referenceId)))).some((n) => n > 0), { timeout: 30_000 }).toBe(true);
    server.kill("SIGTERM");
    expect(await exited).toBe(143);
  } finally {
    server.kill("SIGKILL");
    await payram.control("/config", "PUT", { faults: { status: { latencyMs: 0 } } });
  }
  const attempts = await db.selectFrom("payment_attempts").select("state").where("reference_id", "in", orders.map((o) => o.referenceId)).execute();
  expect(attempts.map((a) => a.state)).toEqual(orders.map(() => "FILLED"));
  const events = logs.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as { event?: string; msg?: string; checked?: number });
  const sweep = events.findIndex((e) => e.event === "sweep" && e.checked === 8);
  const closed = events.findIndex((e) => e.msg === "database closed");
  expect(sweep).toBeGreaterThanOrEqual(0);
  expect(closed).toBeGreaterThan(sweep);
});

test("SIGTERM with a status page open: its stream is ended first, so the server stops without waiting out its deadline", async ({ page }) => {
  test.setTimeout(120_000);
  const order = await placeOrder(db, payram);
  const logs: string[] = [];
  const server = await startServer({ LOG_LEVEL: "info" }, logs);
  const exited = new Promise<number | null>((resolve) => server.once("exit", (code) => resolve(code)));
  try {
    const streamed = page.waitForResponse((response) => new URL(response.url()).pathname.endsWith("/events"));
    await page.goto(`http://127.0.0.1:${PORT}/orders/${order.orderId}`);
    await expect(page.getByTestId("payment-state")).toHaveAttribute("data-state", "OPEN");
    const stream = await streamed;
    expect(stream.status()).toBe(200);
    // Ended by the server (a finished response, which the page reconnects from), not cut by its exit.
    const ended = Promise.race([
      page.waitForEvent("requestfinished", (request) => request === stream.request()).then(() => "finished"),
      page.waitForEvent("requestfailed", (request) => request === stream.request()).then(() => "cut"),
    ]);
    server.kill("SIGTERM");
    expect(await ended).toBe("finished");
    expect(await exited).toBe(143);
  } finally {
    server.kill("SIGKILL");
  }
  const events = logs.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as { event?: string; msg?: string; streams?: number });
  expect(events.find((e) => e.msg === "status streams ended")?.streams).toBe(1);
  // Not stopped by the 25 s deadline: nothing was left holding the server open.
  expect(events.filter((e) => e.msg === "still busy: stopping now")).toEqual([]);
  expect(events.some((e) => e.msg === "database closed")).toBe(true);
});

test("SIGTERM: readiness answers 503 from the first second, while liveness answers 200 until the process exits", async () => {
  test.setTimeout(60_000);
  const server = await startServer({ SHUTDOWN_DRAIN_MS: "2000" });
  const exited = new Promise<number | null>((resolve) => server.once("exit", (code) => resolve(code)));
  const get = (path: string, timeoutMs = 2_000) =>
    fetch(`http://127.0.0.1:${PORT}${path}`, { signal: AbortSignal.timeout(timeoutMs) }).then(
      async (response) => ({ status: response.status, body: (await response.json()) as { stopping?: boolean } }),
      () => null,
    );
  try {
    // Its first answer (the route loaded, PayRam asked) may take a while on a busy machine.
    expect(await get("/api/health/ready", 15_000)).toMatchObject({ status: 200, body: { stopping: false } });
    const signalled = Date.now();
    server.kill("SIGTERM");
    await expect.poll(() => get("/api/health/ready"), { timeout: 1_000, intervals: [50] }).toMatchObject({ status: 503, body: { status: "not ready", stopping: true } });
    expect(Date.now() - signalled).toBeLessThan(1_000);
    // Until the server stops answering (its listener closes after the drain, then it exits): live.
    const answers: number[] = [];
    for (let answer = await get("/api/health"); answer !== null; answer = await get("/api/health")) answers.push(answer.status);
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.every((status) => status === 200)).toBe(true);
    expect(await exited).toBe(143);
  } finally {
    server.kill("SIGKILL");
  }
});
