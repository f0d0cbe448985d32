import { expect, test } from "@playwright/test";
import { checkoutToPayram, emulatorControl, emulatorPayments, fillAddress, whatFilled } from "./shop";
import { APP_URL } from "./urls";

/**
 * The shop against each version of PayRam its public sources describe, played by the emulator:
 * every mode must end with the order paid, as the shopper sees it.
 */
const DEFAULT_MODE = { webhooks: { method: "POST", signature: true, legacyApiKeyHeader: true, enabled: true }, api: { statusShape: "camel", amounts: "string" } };

const MODES: { name: string; config: unknown }[] = [
  { name: "webhooks signed only (no legacy header)", config: { webhooks: { signature: true, legacyApiKeyHeader: false } } },
  { name: "webhooks with only the legacy API-Key header", config: { webhooks: { signature: false, legacyApiKeyHeader: true } } },
  { name: "the old FAQ's snake_case status body", config: { api: { statusShape: "snake" } } },
  { name: "numeric amounts", config: { api: { amounts: "number" } } },
];

for (const mode of MODES) {
  test(`an order is paid with ${mode.name}`, async ({ page }) => {
    await emulatorControl(page, "/config", "PUT", mode.config);
    try {
      const referenceId = await checkoutToPayram(page);
      await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: "9.49" });
      await page.goto(`${APP_URL}/checkout/return`);
      await expect(page.getByTestId("payment-state")).toHaveAttribute("data-state", "FILLED", { timeout: 20_000 });
      await expect(page.getByTestId("payment-state")).toHaveAttribute("data-paid", "true");
      // PayRam's webhook, authenticated in this mode, brought the news (its sync read the status
      // body in this mode's shape), not the page's own poll.
      expect(await whatFilled(referenceId)).toBe("webhook");
      const { deliveries } = (await emulatorControl(page, "/deliveries", "GET")) as { deliveries: { referenceId: string; responseStatus: number | null }[] };
      expect(deliveries.filter((d) => d.referenceId === referenceId).map((d) => d.responseStatus)).toContain(200);
    } finally {
      await emulatorControl(page, "/config", "PUT", DEFAULT_MODE);
    }
  });
}

test("PayRam down at checkout: a clear error, the cart kept, and a retry that leaves one open payment", async ({ page }) => {
  await page.goto("/products/merino-beanie");
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect(page.getByRole("status")).toContainText("Added");
  await page.goto("/checkout");
  await page.getByLabel("Email").fill("outage@example.com");
  await fillAddress(page);
  await emulatorControl(page, "/config", "PUT", { faults: { create: { mode: "502", count: 1 } } });
  await page.getByRole("button", { name: /^Pay .* with crypto$/ }).click();
  await expect(page.getByRole("alert").filter({ hasText: "We could not reach the payment service." })).toBeVisible();
  await expect(page.getByTestId("cart-count")).toHaveText("1");

  await page.getByRole("button", { name: /^Pay .* with crypto$/ }).click();
  await page.waitForURL(/\/payments\?reference_id=/);
  const referenceId = new URL(page.url()).searchParams.get("reference_id");
  const payments = await emulatorPayments(page);
  const mine = payments.find((p) => p.referenceId === referenceId)!;
  expect(mine.state).toBe("OPEN");
  expect(payments.filter((p) => p.customerId === mine.customerId && p.state === "OPEN")).toHaveLength(1);
});
