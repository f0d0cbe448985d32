import { expect, test } from "@playwright/test";
import { expectAccessible } from "./axe";
import { addToCart, checkoutToPayram } from "./shop";
import { signIn } from "./merchant";
import { APP_URL } from "./urls";

// Every page a shopper or merchant sees; the error pages are checked in e2e/errors.spec.ts.
// Each test runs axe over five or more pages, each scan seconds of CPU: on a two-core machine that
// also runs the suite's other part, one test takes over the default minute.
test.beforeEach(() => test.slow());

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

test("an Arabic shopper reads right to left, axe-clean in the light and the dark theme, and can switch to English", async ({ browser }) => {
  const context = await browser.newContext({ locale: "ar", baseURL: APP_URL });
  const page = await context.newPage();
  await page.goto("/");
  await expect(page).toHaveURL(`${APP_URL}/ar`);
  await expect(page.locator("html")).toHaveAttribute("dir", "rtl");
  await expect(page.locator("html")).toHaveAttribute("lang", "ar");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("منتجات مختارة بعناية، تُدفع بالعملات المشفّرة");
  // Right to left: the shop's name stands to the right of the navigation.
  const name = (await page.getByRole("link", { name: "Lumen Goods" }).boundingBox())!;
  const nav = (await page.getByRole("navigation").boundingBox())!;
  expect(name.x).toBeGreaterThan(nav.x);
  await expectAccessible(page);
  await page.emulateMedia({ colorScheme: "dark" });
  await expectAccessible(page);
  await page.getByRole("link", { name: "Lo-Fi Sound Pack" }).click();
  await expect(page).toHaveURL(/\/ar\/products\//);
  await expectAccessible(page);
  // Changed from the page, and remembered over the browser's own language.
  await page.getByTestId("language-switcher").click();
  await page.getByRole("link", { name: "English" }).click();
  await expect(page).toHaveURL(`${APP_URL}/products/lofi-sound-pack`);
  await expect(page.locator("html")).toHaveAttribute("dir", "ltr");
  await page.goto("/");
  await expect(page).toHaveURL(`${APP_URL}/`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Thoughtful goods, paid in crypto");
  await context.close();
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
