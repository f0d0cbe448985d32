import { expect, test, type Page } from "@playwright/test";
import { expectAccessible } from "./axe";
import { withEmulatorProfile } from "./emulator-profile";
import { checkoutToPayram, emulatorControl } from "./shop";
import { APP_URL } from "./urls";
import { signIn } from "./merchant";

// This file's sign-in counts against its own address's limit, not the other specs' allowance.
test.use({ extraHTTPHeaders: { "x-forwarded-for": "198.51.100.17" } });

interface EmulatorView {
  referenceId: string;
  depositAddress: string;
  topUpOf: string | null;
}

/**
 * PayRam as its own Shopify connector reads it (connector-2026, payram-contract.md §8): a deposit
 * after an underpayment is matched to no OPEN request, so PayRam opens a new one — a new
 * reference_id for the same customer — and the first stays PARTIALLY_FILLED. Its deliveries come
 * with the key header only, and every deposit confirms with a storm of progress deliveries
 * (shortened here: 3 s of confirmations, one delivery every 150 ms).
 */
test("under connector-2026, an underpaid order topped up under a new PayRam reference ends paid, and the merchant sees both references", async ({ page }) => {
  await withEmulatorProfile(page, "connector-2026", { timeScale: 0.05 }, async () => {
    const first = await checkoutToPayram(page);
    await page.goto(`${APP_URL}/checkout/return`);
    await page.waitForURL(`${APP_URL}/orders/**`);
    const state = page.getByTestId("payment-state");
    await expect(state).toHaveAttribute("data-state", "OPEN");

    // The shopper sends too little.
    await emulatorControl(page, `/payments/${first}/deposit`, "POST", { amountInUSD: "4.00" });
    await expect(state).toHaveAttribute("data-state", "PARTIALLY_FILLED");
    await expect(state).toHaveText("Received $4.00 of $9.49");
    await expect(page.getByTestId("amount-remaining")).toHaveText("$5.49");
    // The address to send the rest to is the one PayRam gave this payment (its top-up lands there too).
    const paying = (await emulatorControl(page, `/payments/${first}`, "GET")) as EmulatorView;
    await expect(page.getByLabel(/Deposit address/)).toHaveValue(paying.depositAddress);

    // The rest, to the same address: PayRam opens a new payment request for it.
    const topUp = (await emulatorControl(page, `/payments/${first}/deposit`, "POST", { amountInUSD: "5.49" })) as EmulatorView;
    expect(topUp.topUpOf).toBe(first);
    expect(topUp.referenceId).not.toBe(first);
    expect(topUp.depositAddress).toBe(paying.depositAddress);

    // The page the shopper left open turns paid by itself: the first payment stays partly filled
    // at PayRam, and the order is paid over both.
    await expect(state).toHaveAttribute("data-paid", "true", { timeout: 30_000 });
    await expect(state).toHaveText("Paid — thank you!");
    await expect(page.getByTestId("amount-received")).toHaveText("$9.49");
    await expect(page.getByTestId("amount-remaining")).toHaveText("$0.00");

    // The merchant finds the order by the top-up's reference and sees both references.
    await signInAsOwner(page);
    await page.getByLabel("Search by order number, email or PayRam reference").fill(topUp.referenceId);
    await page.getByRole("button", { name: "Search" }).click();
    const rows = page.getByRole("row");
    await expect(rows).toHaveCount(2);
    await expect(rows.nth(1).locator("[data-state]")).toHaveAttribute("data-state", "PAID");
    await expect(rows.nth(1).locator("[data-state]")).toHaveText("Paid");
    await expect(rows.nth(1).getByTestId("payment-count")).toHaveText("2");
    const csv = await page.request.get(`/admin/api/orders.csv?q=${topUp.referenceId}`);
    expect(await csv.text()).toContain(`"${first} ${topUp.referenceId}"`);

    await rows.nth(1).getByRole("link").click();
    await expect(page.getByTestId("admin-payment-state")).toHaveText("Paid");
    await expect(page.getByTestId("admin-payment-state")).toHaveAttribute("data-state", "PAID");
    await expect(page.getByTestId("admin-received")).toHaveText("$9.49");
    const payments = page.getByTestId("admin-payment");
    await expect(payments).toHaveCount(2);
    const checkoutPayment = payments.nth(0);
    await expect(checkoutPayment).toHaveAttribute("data-reference", first);
    await expect(checkoutPayment).toContainText("The shop's checkout");
    await expect(checkoutPayment.locator("[data-state]")).toHaveText("Partly paid");
    await expect(checkoutPayment.locator("[data-state]")).toHaveAttribute("data-state", "PARTIALLY_FILLED");
    await expect(checkoutPayment).toContainText("$9.49");
    await expect(checkoutPayment).toContainText("$4.00");
    const topUpPayment = payments.nth(1);
    await expect(topUpPayment).toHaveAttribute("data-reference", topUp.referenceId);
    await expect(topUpPayment).toContainText("PayRam (a top-up)");
    await expect(topUpPayment.locator("[data-state]")).toHaveText("Paid in full");
    await expect(topUpPayment.locator("[data-state]")).toHaveAttribute("data-state", "FILLED");
    await expect(topUpPayment).toContainText("$5.49");
    await expectAccessible(page);

    // "Sync now" asks about the one reference that may still move: the checkout's, still partly paid.
    await page.getByRole("button", { name: "Sync with PayRam now" }).click();
    await expect(page.getByRole("status")).toHaveText("No change from PayRam: 1 payment checked, still partly paid.");
  });
});

async function signInAsOwner(page: Page) {
  await signIn(page);
  await expect(page.getByRole("heading", { name: "Orders" })).toBeVisible();
}
