import { expect, test, type Page } from "@playwright/test";
import { checkoutToPayram, emulatorControl, emulatorPayments } from "./shop";
import { APP_URL } from "./urls";

// Its own client address (the e2e server trusts one proxy): its carts do not use up the other specs' allowance.
test.use({ extraHTTPHeaders: { "x-forwarded-for": "198.51.100.41" } });

/** The status page after part of a payment arrived: confirmations, and "Pay the remaining $X". */
async function openStatusPage(page: Page) {
  await page.goto(`${APP_URL}/checkout/return`);
  await page.waitForURL(`${APP_URL}/orders/**`);
}

const state = (page: Page) => page.getByTestId("payment-state");

test("after part of a payment arrived and it was cancelled, the shopper pays the remaining amount and the order is paid", async ({ page }) => {
  // Lo-Fi Sound Pack: $9.49.
  const referenceId = await checkoutToPayram(page);
  await openStatusPage(page);
  const orderUrl = page.url();
  await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: "2.00" });
  await expect(state(page)).toHaveAttribute("data-state", "PARTIALLY_FILLED");
  await emulatorControl(page, `/payments/${referenceId}/cancel`, "POST");
  await expect(state(page)).toHaveText("This payment was cancelled after part of it arrived");
  await expect(page.getByText("We received $2.00 of $9.49: $7.49 is still to pay for this order.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Pay again" })).toHaveCount(0);

  await page.getByRole("button", { name: "Pay the remaining $7.49" }).click();
  await page.waitForURL(/\/payments\?reference_id=/);
  const second = new URL(page.url()).searchParams.get("reference_id");
  expect(second).not.toBe(referenceId);
  expect((await emulatorPayments(page)).find((p) => p.referenceId === second)).toMatchObject({ amountInUSD: "7.49", state: "OPEN" });

  await page.getByRole("button", { name: "Send full amount" }).click();
  await expect(page.getByTestId("payment-state")).toHaveText("FILLED");
  await page.goto(orderUrl);
  await expect(state(page)).toHaveAttribute("data-paid", "true");
  await expect(state(page)).toHaveText("Paid — thank you!");
  await expect(page.getByTestId("amount-received")).toHaveText("$9.49");
  await expect(page.getByTestId("amount-remaining")).toHaveText("$0.00");
});

test("a deposit PayRam is confirming shows its confirmations", async ({ page }) => {
  // Twelve confirmations, one every two seconds: slow enough for the page to see some.
  await emulatorControl(page, "/config", "PUT", { confirmations: { required: 12, durationMs: 24_000 } });
  try {
    const referenceId = await checkoutToPayram(page);
    await openStatusPage(page);
    await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: "9.49" });
    const confirming = page.getByTestId("confirming");
    await expect(confirming).toHaveText(/^Payment seen — confirming \((\d|1[01]) of 12\)$/);
    // Inside the live region, so a screen reader hears it change.
    await expect(page.locator('[aria-live="polite"]').getByTestId("confirming")).toHaveCount(1);
  } finally {
    await emulatorControl(page, "/config", "PUT", { confirmations: { required: 1, durationMs: 0 } });
  }
});
