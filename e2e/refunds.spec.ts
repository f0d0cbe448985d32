import { expect, test } from "@playwright/test";
import { createDb } from "../lib/db";
import { E2E_DATABASE } from "../playwright.config";
import { expectAccessible } from "./axe";
import { checkoutToPayram, emulatorControl } from "./shop";
import { APP_URL } from "./urls";
import { signInForMoney } from "./merchant";

/**
 * Issue 21's "done when": an overpaid order is refunded its surplus through a PayRam payout; the
 * emulator records one payout despite a double click and a retry after a time-out; PayRam's
 * webhook moves it to processed, and the merchant and the shopper both see it.
 */
test.use({ extraHTTPHeaders: { "x-forwarded-for": "198.51.100.80" } });

const WALLET = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

/** The confirmation link of the newest "confirm your refund address" mail, read from the e2e server's outbox (mail is off there). */
async function mailedConfirmLink(orderId: string): Promise<string> {
  const db = createDb({ kind: "sqlite", path: E2E_DATABASE });
  try {
    const row = await db.selectFrom("outbox").select("payload").where("order_id", "=", orderId).where("kind", "=", "confirm_refund_address").orderBy("id", "desc").executeTakeFirstOrThrow();
    const payload = JSON.parse(row.payload) as { confirmToken: string };
    return `${APP_URL}/orders/${orderId}/refund-address?token=${payload.confirmToken}`;
  } finally {
    await db.destroy();
  }
}

interface EmulatorPayout {
  id: string | number;
  status: string;
  amount: string;
  idempotencyKey: string | null;
}

test("an overpaid order's surplus is refunded once, despite a double click and a time-out, and both sides see it sent", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const payoutsBefore = ((await emulatorControl(page, "/payouts", "GET")) as { payouts: EmulatorPayout[] }).payouts.length;
  // The shopper pays $12.00 for a $9.49 order, the order's page open.
  const referenceId = await checkoutToPayram(page);
  await page.goto(`${APP_URL}/checkout/return`);
  await page.waitForURL(`${APP_URL}/orders/**`);
  await expect(page.getByTestId("payment-state")).toHaveAttribute("data-state", "OPEN");
  await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: "12.00" });
  await expect(page.getByTestId("payment-state")).toHaveAttribute("data-state", "OVER_FILLED");
  const orderUrl = page.url();
  const orderId = new URL(orderUrl).pathname.split("/").pop()!;

  // The page asks where the surplus should go (without a reload); the shopper says, and confirms it through the mailed link.
  await expect(page.getByRole("heading", { name: "Where should we send your refund?" })).toBeVisible();
  expect(page.url()).toBe(orderUrl);
  await page.getByLabel("Your wallet address").fill(WALLET);
  await page.getByRole("button", { name: "Send me the confirmation link" }).click();
  await expect(page.getByText("We mailed you a link")).toBeVisible();
  await expectAccessible(page);
  const link = await mailedConfirmLink(orderId);
  expect(link).toContain(`/orders/${orderId}/refund-address?token=`);
  await page.goto(`${APP_URL}${new URL(link).pathname}${new URL(link).search}`);
  await page.getByRole("button", { name: "Confirm this address" }).click();
  await expect(page.getByText("Confirmed. The shop sends your refund there.")).toBeVisible();
  // Back on the order's page, left open while the merchant refunds.
  await page.goto(orderUrl);
  await expect(page.getByTestId("payment-state")).toHaveAttribute("data-state", "OVER_FILLED");

  const merchant = await (await browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": "198.51.100.81" } })).newPage();
  // A manager with an authenticator, signed in with a code: the refund may leave (step-up).
  await signInForMoney(merchant);
  await merchant.goto(`${APP_URL}/admin/orders/${orderId}`);
  await expect(merchant.getByTestId("refundable")).toHaveText("$2.51");
  await expect(merchant.getByTestId("shopper-refund-address")).toContainText("(confirmed by mail)");
  await expect(merchant.getByLabel("Shopper's wallet address")).toHaveValue(WALLET);

  // More than the surplus is refused before PayRam is asked.
  await merchant.getByLabel("Shopper's wallet address").fill(WALLET);
  await merchant.getByLabel("Amount (USD)").fill("2.52");
  await merchant.getByRole("button", { name: "Refund through PayRam" }).click();
  await expect(merchant.locator("#refund-amount-error")).toContainText("At most $2.51");

  // PayRam makes the payout but its answer never arrives; the merchant double-clicks.
  await emulatorControl(merchant, "/config", "PUT", { faults: { payouts: { mode: "hang" } } });
  try {
    await merchant.getByLabel("Amount (USD)").fill("2.51");
    await merchant.getByRole("button", { name: "Refund through PayRam" }).dblclick();
    await expect(merchant.getByTestId("refund-status")).toContainText(/never paid twice|has not arrived yet/, { timeout: 40_000 });
    await expect(merchant.getByTestId("refunds").locator("li")).toHaveAttribute("data-status", "requesting");
  } finally {
    await emulatorControl(merchant, "/config", "PUT", { faults: { payouts: { mode: "none" } } });
  }
  await merchant.reload();
  await expect(merchant.getByTestId("refunds").locator("li")).toHaveCount(1);
  // The list says what PayRam last answered, and offers to end the refund (after the shop reads PayRam's payouts).
  await expect(merchant.getByTestId("refunds")).toContainText("Asked PayRam; no payout yet. Its last answer: PayRam did not answer.");
  await expect(merchant.getByRole("button", { name: "End this refund" })).toBeVisible();
  // Asked again: the same key, so PayRam answers the payout it made.
  await merchant.getByRole("button", { name: "Ask PayRam again" }).click();
  // The first form of the refund is "Ask PayRam again" (the second, "End this refund", has its own status line).
  await expect(merchant.getByTestId("refunds").locator("form").first().getByRole("status")).toContainText("PayRam is sending it");
  // Nothing more to refund: the form is gone.
  await expect(merchant.getByTestId("refundable")).toHaveText("$0.00");
  await expect(merchant.getByRole("button", { name: "Refund through PayRam" })).toHaveCount(0);
  const made = ((await emulatorControl(merchant, "/payouts", "GET")) as { payouts: EmulatorPayout[] }).payouts.slice(payoutsBefore);
  expect(made).toHaveLength(1);
  expect(made[0]).toMatchObject({ amount: "2.510000", status: "pending" });

  // PayRam sends it; its webhooks reach the shop, which reads the payout.
  for (const step of ["initiate", "send", "process"]) await emulatorControl(merchant, `/payouts/${made[0]!.id}/${step}`, "POST");
  await expect(async () => {
    await merchant.reload();
    await expect(merchant.getByTestId("refunds").locator("li")).toHaveAttribute("data-status", "processed", { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(merchant.getByTestId("refunds")).toContainText("Refund sent and confirmed (transaction 0x");
  await expect(merchant.getByTestId("refundable")).toHaveText("$0.00");
  await expect(merchant.getByTestId("timeline")).toContainText("Refund: processed");

  // The shopper's open page shows it, without a reload.
  await expect(page.getByTestId("shopper-refunds")).toContainText("$2.51 as 2.510000 USDC: Refund sent — transaction 0x");
  expect(page.url()).toBe(orderUrl);
  // Refunded: the page no longer asks where to send it.
  await expect(page.getByRole("heading", { name: "Where should we send your refund?" })).toHaveCount(0);
});
