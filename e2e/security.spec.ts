import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { DEV_DEFAULTS } from "../lib/config";
import { addToCart, checkoutToPayram } from "./shop";
import { APP_URL, E2E_ADMIN_PASSWORD, E2E_API_KEY, E2E_SESSION_SECRET, EMULATOR_URL } from "./urls";
import { signIn } from "./merchant";

/** Every page under the Content-Security-Policy, with nothing refused in the console. */
function watchCsp(page: Page): string[] {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to (execute|load|apply|connect|frame|send form)/i.test(message.text())) violations.push(`${page.url()}: ${message.text()}`);
  });
  return violations;
}

test("security headers on pages and assets", async ({ request }) => {
  const page = await request.get("/");
  const headers = page.headers();
  expect(headers["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["content-security-policy"]).toContain(`form-action 'self' ${EMULATOR_URL}`);
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["permissions-policy"]).toContain("camera=()");
  // A fresh nonce for every response.
  const again = (await request.get("/")).headers()["content-security-policy"];
  expect(again).not.toBe(headers["content-security-policy"]);
  const asset = await request.get("/images/products/merino-beanie.svg");
  expect(asset.status()).toBe(200);
  expect(asset.headers()["x-content-type-options"]).toBe("nosniff");
});

test("a product page carries the CSP, and its image still loads under it", async ({ page }) => {
  const violations = watchCsp(page);
  const response = await page.goto("/products/merino-beanie");
  expect(response?.headers()["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  expect(response?.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  const image = page.locator('img[src="/images/products/merino-beanie.svg"]');
  await expect(image).toBeVisible();
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
  expect(violations).toEqual([]);
});

test("no CSP violation on any page a shopper or the merchant opens, checkout and pay-by-redirect included", async ({ page }) => {
  const violations = watchCsp(page);
  await page.goto("/");
  await addToCart(page, "Dot-Grid Notebook Trio", 1);
  await page.goto("/cart");
  await page.goto("/checkout");
  await page.goto("/");
  // The checkout form's answer leaves for PayRam: form-action must allow it.
  await checkoutToPayram(page);
  await page.goto(`${APP_URL}/checkout/return`);
  await expect(page.getByTestId("payment-state")).toBeVisible();
  await signIn(page);
  await expect(page.getByRole("heading", { name: "Orders" })).toBeVisible();
  await page.getByRole("row").nth(1).getByRole("link").click();
  await expect(page.getByRole("button", { name: "Sync with PayRam now" })).toBeVisible();
  await page.goto("/admin/attention");
  await page.goto("/no-such-page");
  expect(violations).toEqual([]);
});

test("the browser bundle holds no secret and no server-only module", async () => {
  // This run's server was built with PAYRAM_API_KEY set to the e2e key (playwright.config.ts).
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk(".next/static");
  expect(files.length).toBeGreaterThan(0);
  const forbidden = [E2E_API_KEY, E2E_SESSION_SECRET, E2E_ADMIN_PASSWORD, DEV_DEFAULTS.PAYRAM_API_KEY, DEV_DEFAULTS.SESSION_SECRET, DEV_DEFAULTS.ADMIN_PASSWORD, "better-sqlite3", "PAYRAM_API_KEY", "SESSION_SECRET", "pg-connection-string"];
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    for (const secret of forbidden) expect(text.includes(secret), `${file} contains ${secret}`).toBe(false);
  }
});
