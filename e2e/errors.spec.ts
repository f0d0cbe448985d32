import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { sql } from "kysely";
import { createDb } from "../lib/db";
import { startApp, type AppInstance } from "../scripts/chaos/processes";
import { expectAccessible } from "./axe";
import { E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD, E2E_API_KEY, E2E_SESSION_SECRET, EMULATOR_URL } from "./urls";
import { signIn } from "./merchant";

/** What a shopper or the merchant sees when a page cannot be shown: a 404 that says why, or an error that leaks nothing. */

// This file's sign-in counts against its own address's limit (see e2e/admin.spec.ts).
test.use({ extraHTTPHeaders: { "x-forwarded-for": "198.51.100.30" } });

const UNKNOWN_ORDER = "AAAAAAAAAAAAAAAAAAAAAA";

test("an unknown order is a 404 that tells the shopper so, with a way back to the shop", async ({ page }) => {
  expect((await page.goto(`/orders/${UNKNOWN_ORDER}`))?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1, name: "Order not found" })).toBeVisible();
  await expect(page.getByText("A link that does not work changes nothing about any order or payment.")).toBeVisible();
  await expectAccessible(page);
  await page.getByRole("link", { name: "Back to the shop" }).click();
  await expect(page).toHaveURL("/");
});

test("an unknown order in the merchant area is a 404 with a way back to the orders", async ({ page }) => {
  await signIn(page);
  await expect(page.getByRole("heading", { level: 1, name: "Orders" })).toBeVisible();

  expect((await page.goto(`/admin/orders/${UNKNOWN_ORDER}`))?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1, name: "Order not found" })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole("link", { name: "Back to orders" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Orders" })).toBeVisible();
});

test.describe("an unexpected error", () => {
  // A server of its own, on a database this test may break.
  let dir: string;
  let app: AppInstance;

  test.beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "shop-errors-"));
    app = await startApp(
      "errors",
      { DATABASE_URL: `file:${join(dir, "shop.db")}`, PAYRAM_BASE_URL: EMULATOR_URL, PAYRAM_API_KEY: E2E_API_KEY, SESSION_SECRET: E2E_SESSION_SECRET, ADMIN_EMAIL: E2E_ADMIN_EMAIL, ADMIN_PASSWORD: E2E_ADMIN_PASSWORD },
      { verbose: false, timeoutMs: 30_000 },
    );
  });

  test.afterAll(async () => {
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("is a 500 that says nothing was charged and shows a reference, not the error; Try again recovers", async ({ page }) => {
    const db = createDb({ kind: "sqlite", path: join(dir, "shop.db") });
    try {
      // The catalog's table disappears under the running server, as a botched restore would leave it.
      await sql`ALTER TABLE products RENAME TO products_away`.execute(db);
      expect((await page.goto(app.url))?.status()).toBe(500);
      await expect(page.getByRole("heading", { level: 1, name: "Something went wrong" })).toBeVisible();
      await expect(page.getByText("An error like this does not charge you anything")).toBeVisible();
      await expect(page.getByTestId("error-reference")).toHaveText(/^\w+$/);
      expect(await page.content()).not.toContain("no such table");
      await expectAccessible(page);

      await sql`ALTER TABLE products_away RENAME TO products`.execute(db);
      await page.getByRole("button", { name: "Try again" }).click();
      await expect(page.getByRole("heading", { level: 1, name: "Thoughtful goods, paid in crypto" })).toBeVisible();
    } finally {
      await db.destroy();
    }
  });
});
