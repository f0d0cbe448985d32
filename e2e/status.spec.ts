import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { checkoutToPayram, emulatorControl } from "./shop";
import { APP_URL } from "./urls";

/**
 * The shopper's status page: server-rendered, then kept current by polling — no reloads in
 * these tests. Each state is screenshotted into the report, and checked with axe.
 */
async function openStatusPage(page: Page) {
  await page.goto(`${APP_URL}/checkout/return`);
  await page.waitForURL(`${APP_URL}/orders/**`);
}

async function snapshot(page: Page, testInfo: TestInfo, name: string) {
  await testInfo.attach(`status-${name}`, { body: await page.screenshot({ fullPage: true }), contentType: "image/png" });
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);
}

const state = (page: Page) => page.getByTestId("payment-state");

test("with webhooks off, polling alone takes the page from OPEN through a partial payment to paid, then stops", async ({ page }, testInfo) => {
  await emulatorControl(page, "/config", "PUT", { webhooks: { enabled: false } });
  // No live stream either (a proxy that refuses it): the page's own polling is what is tested.
  await page.route("**/events", (route) => route.abort());
  try {
    await page.clock.install();
    const referenceId = await checkoutToPayram(page, "Aurora Desk Lamp");
    await openStatusPage(page);
    await expect(state(page)).toHaveAttribute("data-state", "OPEN");
    await expect(page.getByRole("link", { name: "Continue to payment" })).toHaveAttribute("href", new RegExp(referenceId));
    await snapshot(page, testInfo, "open");

    await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: "30.00" });
    await expect(state(page)).toHaveAttribute("data-state", "PARTIALLY_FILLED");
    await expect(state(page)).toHaveText("Received $30.00 of $89.00");
    await expect(page.getByTestId("amount-remaining")).toHaveText("$59.00");
    // Opening PayRam's page picked an asset: the address and its QR code are shown.
    await expect(page.getByLabel(/Deposit address/)).not.toHaveValue("");
    await expect(page.getByRole("img", { name: "QR code of the deposit address" })).toBeVisible();
    await snapshot(page, testInfo, "partially-filled");

    await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: "59.00" });
    await expect(state(page)).toHaveAttribute("data-state", "FILLED");
    await expect(state(page)).toHaveText("Paid — thank you!");
    await expect(page.getByTestId("amount-remaining")).toHaveText("$0.00");
    await snapshot(page, testInfo, "filled");

    // Final: the page stops polling every 2 s (a paid order still to ship is asked about every
    // 30 s; its stream, refused here, is what waits for the shipment). Over ten seconds of page
    // time (five polling intervals, each given a moment for a request to show up) there is at
    // most one more poll.
    const isPoll = (url: string) => /^\/api\/orders\/[^/]+$/.test(new URL(url).pathname);
    let polls = 0;
    page.on("request", (request) => {
      if (isPoll(request.url())) polls++;
    });
    for (let step = 0; step < 5; step++) {
      await page.clock.runFor(2_000);
      await page.waitForResponse((response) => isPoll(response.url()), { timeout: 1_500 }).catch(() => null);
    }
    expect(polls).toBeLessThanOrEqual(1);
  } finally {
    await emulatorControl(page, "/config", "PUT", { webhooks: { enabled: true } });
  }
});

test("an overpayment is confirmed, with the surplus explained", async ({ page }, testInfo) => {
  const referenceId = await checkoutToPayram(page);
  await openStatusPage(page);
  await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: "10.00" });
  await expect(state(page)).toHaveAttribute("data-state", "OVER_FILLED");
  await expect(page.getByText("You sent $0.51 more than the total.")).toBeVisible();
  await snapshot(page, testInfo, "over-filled");
});

test("a cancelled payment can be paid again, on a new PayRam page for the same order", async ({ page }, testInfo) => {
  const referenceId = await checkoutToPayram(page);
  await openStatusPage(page);
  const orderUrl = page.url();
  await emulatorControl(page, `/payments/${referenceId}/cancel`, "POST");
  await expect(state(page)).toHaveAttribute("data-state", "CANCELLED");
  await expect(state(page)).toHaveText("This payment expired or was cancelled");
  await snapshot(page, testInfo, "cancelled");

  await page.getByRole("button", { name: "Pay again" }).click();
  await page.waitForURL(/\/payments\?reference_id=/);
  const second = new URL(page.url()).searchParams.get("reference_id");
  expect(second).not.toBe(referenceId);
  await page.getByRole("button", { name: "Send full amount" }).click();
  await expect(page.getByTestId("payment-state")).toHaveText("FILLED");
  await page.goto(orderUrl);
  await expect(state(page)).toHaveAttribute("data-state", "FILLED");
});

test("a cancelled payment with money received offers only the rest, never the whole amount again", async ({ page }, testInfo) => {
  const referenceId = await checkoutToPayram(page);
  await openStatusPage(page);
  await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: "2.00" });
  await expect(state(page)).toHaveAttribute("data-state", "PARTIALLY_FILLED");
  await emulatorControl(page, `/payments/${referenceId}/cancel`, "POST");
  await expect(state(page)).toHaveText("This payment was cancelled after part of it arrived");
  await expect(page.getByRole("button", { name: "Pay again" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Pay the remaining \$\d+\.\d\d$/ })).toBeVisible();
  await snapshot(page, testInfo, "cancelled-with-funds");
});

test("an unknown order is a 404, and the API says so too", async ({ page, request }) => {
  expect((await page.goto("/orders/AAAAAAAAAAAAAAAAAAAAAA"))?.status()).toBe(404);
  expect((await request.get("/api/orders/AAAAAAAAAAAAAAAAAAAAAA")).status()).toBe(404);
  expect((await request.get("/api/orders/not-an-id")).status()).toBe(404);
});
