import { expect, test } from "@playwright/test";
import { expectAccessible } from "./axe";
import { addToCart, checkoutToPayram } from "./shop";
import { signIn } from "./merchant";

// Every page a shopper or merchant sees; the error pages are checked in e2e/errors.spec.ts.

test("shop pages: catalog, product, cart, checkout (digital and shipped), an empty cart", async ({ page }) => {
  await page.goto("/cart");
  await expectAccessible(page);
  await page.goto("/");
  await expectAccessible(page);
  await addToCart(page, "Waxed Canvas Tote", 1);
  await expectAccessible(page);
  await page.goto("/cart");
  await expectAccessible(page);
  await page.goto("/checkout");
  await expectAccessible(page);
  await page.getByRole("button", { name: /^Pay .* with crypto$/ }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Please correct the highlighted fields." })).toBeVisible();
  await expectAccessible(page);
});

test("merchant pages: sign-in, orders, an order, needs attention, products", async ({ page }) => {
  await checkoutToPayram(page);
  await page.goto("/admin/sign-in");
  await expectAccessible(page);
  await signIn(page);
  await expect(page.getByRole("heading", { name: "Orders" })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole("row").nth(1).getByRole("link").click();
  await expect(page.getByRole("button", { name: "Sync with PayRam now" })).toBeVisible();
  await expectAccessible(page);
  await page.goto("/admin/attention");
  await expectAccessible(page);
  await page.goto("/admin/products");
  await expectAccessible(page);
  await page.getByRole("link", { name: "New product" }).click();
  await expect(page.getByRole("button", { name: "Create product" })).toBeVisible();
  await expectAccessible(page);
  // A refused form: the error summary and the fields' errors.
  await page.getByRole("button", { name: "Create product" }).click();
  await expect(page.getByTestId("form-errors")).toBeVisible();
  await expectAccessible(page);
});
