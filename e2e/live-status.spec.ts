import { randomBytes } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { sql } from "kysely";
import { createDb, migrate, type Db } from "../lib/db";
import { startTestPayram, TEST_API_KEY, type TestPayram } from "../test/emulator";
import { placeOrder, TEST_SECRET } from "../test/shop";
import { startNextServer, type NextServer } from "./next-server";
import { checkoutToPayram, emulatorControl } from "./shop";
import { APP_URL } from "./urls";

// Its own client address (the e2e server trusts one proxy): its carts do not use up the other specs' allowance.
test.use({ extraHTTPHeaders: { "x-forwarded-for": "198.51.100.40" } });

/**
 * The open status page learns of a payment by push (`/api/orders/<id>/events`), polling
 * (`/api/orders/<id>`) being the fallback. Each test blocks one of the two and shows the other
 * alone still turns the page "Paid" — in a real browser, against the emulator.
 */

/** `/api/orders/<id>` — the JSON the page polls; not `/events`, nor `/deposit-qr` (`*` stops at a slash). */
const POLL_ROUTE = "**/api/orders/*";
const EVENTS_ROUTE = "**/events";

const state = (page: Page) => page.getByTestId("payment-state");

/** Blocks a route; returns how many requests it refused so far. */
async function block(page: Page, route: string): Promise<() => number> {
  let refused = 0;
  await page.route(route, (r) => {
    refused++;
    return r.abort();
  });
  return () => refused;
}

async function openStatusPage(page: Page) {
  await page.goto(`${APP_URL}/checkout/return`);
  await page.waitForURL(`${APP_URL}/orders/**`);
  await expect(state(page)).toHaveAttribute("data-state", "OPEN");
}

const isStream = (url: string) => new URL(url).pathname.endsWith("/events");

test("with polling blocked, the pushed news alone turns the open page Paid", async ({ page }) => {
  const referenceId = await checkoutToPayram(page);
  const polls = await block(page, POLL_ROUTE);
  const streamed = page.waitForResponse((response) => isStream(response.url()));
  await openStatusPage(page);
  const stream = await streamed;
  expect(stream.status()).toBe(200);
  expect(stream.headers()["content-type"]).toContain("text/event-stream");

  await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: "9.49" });
  await expect(state(page)).toHaveText("Paid — thank you!");
  await expect(state(page)).toHaveAttribute("data-paid", "true");
  await expect(page.getByTestId("amount-remaining")).toHaveText("$0.00");
  // The page did ask for the JSON (on mount) and was refused: the news came down the stream.
  expect(polls()).toBeGreaterThan(0);
});

test("with polling blocked, a partial payment and then the rest are each pushed as they land", async ({ page }) => {
  const referenceId = await checkoutToPayram(page);
  await block(page, POLL_ROUTE);
  await openStatusPage(page);

  await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: "4.00" });
  await expect(state(page)).toHaveText("Received $4.00 of $9.49");
  await expect(page.getByTestId("amount-remaining")).toHaveText("$5.49");
  await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: "5.49" });
  await expect(state(page)).toHaveText("Paid — thank you!");
});

test("with the events route blocked, polling still turns the open page Paid", async ({ page }) => {
  const referenceId = await checkoutToPayram(page);
  const streams = await block(page, EVENTS_ROUTE);
  const polled = page.waitForResponse((response) => new URL(response.url()).pathname.startsWith("/api/orders/") && !isStream(response.url()) && response.ok());
  await openStatusPage(page);
  await polled;

  await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: "9.49" });
  await expect(state(page)).toHaveText("Paid — thank you!");
  // The page tried the stream and was refused: polling brought the news.
  expect(streams()).toBeGreaterThan(0);
});

/** What the browser does when the shopper switches to another tab and back. */
async function setVisibility(page: Page, visibility: "hidden" | "visible") {
  await page.evaluate((v) => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => v });
    Object.defineProperty(document, "hidden", { configurable: true, get: () => v === "hidden" });
    document.dispatchEvent(new Event("visibilitychange"));
  }, visibility);
}

test("a hidden tab gives up its stream, and when shown again reopens it and catches up", async ({ page }) => {
  const referenceId = await checkoutToPayram(page);
  await block(page, POLL_ROUTE);
  const opened = page.waitForRequest((request) => isStream(request.url()));
  await openStatusPage(page);
  const stream = await opened;

  const ended = Promise.race([page.waitForEvent("requestfailed", (r) => r === stream), page.waitForEvent("requestfinished", (r) => r === stream)]);
  await setVisibility(page, "hidden");
  await ended;

  await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: "4.00" });
  const reopened = page.waitForRequest((request) => isStream(request.url()));
  await setVisibility(page, "visible");
  await reopened;
  await expect(state(page)).toHaveText("Received $4.00 of $9.49");
});

/**
 * Two instances on one Postgres: PayRam's webhook reaches instance A, the shopper's page is on
 * instance B. B cannot reach PayRam at all (its PAYRAM_BASE_URL is a closed port) and the page's
 * polling is blocked, so the news can only travel A → Postgres NOTIFY → B → the page's stream.
 */
test.describe("two instances on Postgres", () => {
  const postgresUrl = process.env.TEST_DATABASE_URL;
  test.skip(!postgresUrl && process.env.REQUIRE_POSTGRES !== "1", "TEST_DATABASE_URL is not set");

  const schema = `e2e_live_${randomBytes(6).toString("hex")}`;
  let admin: Db;
  let db: Db;
  let payram: TestPayram;
  const servers: NextServer[] = [];

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    if (!postgresUrl) throw new Error("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set");
    admin = createDb({ kind: "postgres", url: postgresUrl });
    await sql`create schema ${sql.id(schema)}`.execute(admin);
    db = createDb({ kind: "postgres", url: postgresUrl }, { schema, poolSize: 2 });
    await migrate(db);
    const url = new URL(postgresUrl);
    url.searchParams.set("options", `-c search_path=${schema}`);
    const shop = { DATABASE_URL: url.toString(), PAYRAM_API_KEY: TEST_API_KEY, SESSION_SECRET: TEST_SECRET, ADMIN_EMAIL: "owner@shop.localhost", ADMIN_PASSWORD: "live-status-test-password", SWEEP_INTERVAL_MS: "0" };
    const [portA, portB] = [3341, 3342];
    payram = await startTestPayram({ webhookUrls: [`http://127.0.0.1:${portA}/api/webhook`] });
    servers.push(...(await Promise.all([startNextServer(portA, { ...shop, PAYRAM_BASE_URL: payram.emulator.url }), startNextServer(portB, { ...shop, PAYRAM_BASE_URL: "http://127.0.0.1:9" })])));
  });

  test.afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await payram?.emulator.close();
    await db?.destroy();
    if (admin) {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin);
      await admin.destroy();
    }
  });

  test("the webhook reaches instance A, and the page open on instance B turns Paid by push", async ({ page }, testInfo) => {
    const b = servers[1]!;
    try {
      // Each production build's route layer knows its handle for Postgres (else its row locks would be left out).
      for (const server of servers) expect(await (await fetch(`${server.url}/api/health`)).json()).toMatchObject({ engine: "postgres" });
      const order = await placeOrder(db, payram);
      await block(page, POLL_ROUTE);
      const streamed = page.waitForResponse((response) => isStream(response.url()));
      await page.goto(`${b.url}/orders/${order.orderId}`);
      await expect(state(page)).toHaveAttribute("data-state", "OPEN");
      expect((await streamed).status()).toBe(200);

      await payram.deposit(order.referenceId, "9.49");
      await expect(state(page)).toHaveText("Paid — thank you!");
    } finally {
      for (const [i, server] of servers.entries()) await testInfo.attach(`instance-${"AB"[i]}.log`, { body: server.logs.join("\n"), contentType: "text/plain" });
    }
  });
});
