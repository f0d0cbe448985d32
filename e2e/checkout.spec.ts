import { expect, test } from "@playwright/test";
import { addToCart, emulatorPayments, fillAddress } from "./shop";
import { APP_URL, EMULATOR_URL } from "./urls";

/**
 * The shopper's path from a product to PayRam's page and back, with the emulator on 127.0.0.1
 * and the shop on localhost: two sites, as PayRam and a shop are in production.
 */
test("browse, add two products, check out, pay the exact total on PayRam, and come back to the order", async ({ page }) => {
  await addToCart(page, "Aurora Desk Lamp", 2);
  await addToCart(page, "Lo-Fi Sound Pack", 1);
  await expect(page.getByTestId("cart-count")).toHaveText("3");

  await page.getByRole("link", { name: /^Cart/ }).click();
  await expect(page.getByTestId("cart-subtotal")).toHaveText("$187.49");
  await page.getByRole("link", { name: "Go to checkout" }).click();
  await expect(page.getByTestId("checkout-total")).toHaveText("$187.49");

  await page.getByLabel("Email").fill("ada@example.com");
  await fillAddress(page);
  await page.getByRole("button", { name: "Pay $187.49 with crypto" }).click();

  // PayRam's hosted page, on the other site, asks for exactly the server's total.
  await page.waitForURL(`${EMULATOR_URL}/payments?**`);
  await expect(page.locator("#amount-due")).toHaveText("$187.49");
  await page.getByRole("button", { name: "Send full amount" }).click();
  await expect(page.getByTestId("payment-state")).toHaveText("FILLED");

  // The way back lands on this order's status page (the order cookie survived the cross-site return).
  await page.getByRole("link", { name: "Return to Lumen Goods" }).click();
  await page.waitForURL(`${APP_URL}/orders/**`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/^Order #\d+$/);
  await expect(page.getByTestId("order-total")).toHaveText("$187.49");
  await expect(page.getByTestId("cart-count")).toHaveText("0");
});

test("a double click on Pay makes one PayRam payment", async ({ page }) => {
  await addToCart(page, "The Self-Custody Field Guide", 1);
  await page.goto("/checkout");
  await page.getByLabel("Email").fill("double@example.com");
  const before = (await emulatorPayments(page)).length;
  await page.getByRole("button", { name: /^Pay .* with crypto$/ }).dblclick();
  await page.waitForURL(`${EMULATOR_URL}/payments?**`);
  const referenceId = new URL(page.url()).searchParams.get("reference_id");

  const payments = await emulatorPayments(page);
  expect(payments).toHaveLength(before + 1);
  const mine = payments.find((p) => p.referenceId === referenceId);
  expect(mine).toMatchObject({ amountInUSD: "14.99", state: "OPEN" });
  expect(payments.filter((p) => p.customerId === mine!.customerId)).toHaveLength(1);
});

test("bad input gets a clear message and keeps what the shopper typed", async ({ page }) => {
  await addToCart(page, "Merino Beanie", 1);
  await page.goto("/checkout");
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByRole("button", { name: /^Pay .* with crypto$/ }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Please correct the highlighted fields." })).toBeVisible();
  await expect(page.getByText("Enter a valid email address")).toBeVisible();

  await page.getByLabel("Email").fill("fixed@example.com");
  await page.getByRole("button", { name: /^Pay .* with crypto$/ }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Please enter where we should ship your order." })).toBeVisible();
  await expect(page.getByText("Enter the street address")).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue("fixed@example.com");
  await expect(page.getByLabel("Email")).not.toHaveAttribute("aria-invalid");

  // Fixing the address completes the checkout.
  await fillAddress(page);
  await page.getByRole("button", { name: /^Pay .* with crypto$/ }).click();
  await page.waitForURL(`${EMULATOR_URL}/payments?**`);
});

test("an unknown product is a 404", async ({ page }) => {
  const response = await page.goto("/products/no-such-product");
  expect(response?.status()).toBe(404);
});

test("the cart changes quantities and removes lines on the server, and stays right across two tabs", async ({ page, context }) => {
  await addToCart(page, "Solid Brass Keyring", 1);
  await addToCart(page, "Merino Beanie", 1);
  await page.goto("/cart");
  await page.getByLabel("Quantity of Solid Brass Keyring").fill("3");
  await page.getByRole("button", { name: "Update quantity of Solid Brass Keyring" }).click();
  await expect(page.getByTestId("cart-subtotal")).toHaveText("$65.99");
  await expect(page.getByTestId("cart-count")).toHaveText("4");
  await page.reload();
  await expect(page.getByLabel("Quantity of Solid Brass Keyring")).toHaveValue("3");

  // A second tab removes the beanie; the first tab's stale form is told, not silently re-adding it.
  const other = await context.newPage();
  await other.goto("/cart");
  await other.getByRole("button", { name: "Remove Merino Beanie" }).click();
  await expect(other.getByTestId("cart-subtotal")).toHaveText("$36.00");
  await page.getByLabel("Quantity of Merino Beanie").fill("2");
  await page.getByRole("button", { name: "Update quantity of Merino Beanie" }).click();
  await expect(page.getByText("That item is no longer in your cart.")).toBeVisible();
  await page.reload();
  await expect(page.getByRole("link", { name: "Merino Beanie" })).toHaveCount(0);
  await expect(page.getByTestId("cart-subtotal")).toHaveText("$36.00");
});
