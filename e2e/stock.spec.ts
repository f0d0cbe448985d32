import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { createDb } from "../lib/db";
import { TEST_API_KEY } from "../test/emulator";
import { TEST_SECRET } from "../test/shop";
import { startNextServer } from "./next-server";
import { emulatorControl, fillAddress } from "./shop";
import { APP_URL, EMULATOR_URL } from "./urls";
import { signIn } from "./merchant";

/**
 * Issue 19's "done when": the merchant creates a product with a stock of 1, two shoppers race for
 * it, one reaches PayRam and the other is told it is sold out, and a cancellation gives it back.
 * Each shopper is its own browser context (its own cart cookie) and client address.
 */
test.use({ extraHTTPHeaders: { "x-forwarded-for": "198.51.100.60" } });

const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGMwTjsDAAI1AWaKkkQyAAAAAElFTkSuQmCC", "base64");
const NAME = "Last Edition Print";

async function shopper(browser: Browser, address: string): Promise<Page> {
  const context = await browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": address } });
  return context.newPage();
}

/** Adds the product to the cart and fills the checkout form, stopping before "Pay". */
async function readyToPay(page: Page) {
  await page.goto("/");
  await page.getByRole("link", { name: NAME }).click();
  await expect(page.getByTestId("stock-left")).toHaveText("Only 1 left");
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect(page.getByRole("status")).toContainText("Added");
  await page.goto("/checkout");
  await page.getByLabel("Email").fill("racer@example.com");
  if (await page.getByLabel("Full name").count()) await fillAddress(page);
}

test("two shoppers race for the last piece: one reaches PayRam, the other is told it is sold out, and a cancellation gives it back", async ({ page, browser }) => {
  // The merchant creates the product, with one piece in stock.
  await signIn(page);
  await expect(page.getByRole("heading", { name: "Orders" })).toBeVisible();
  await page.goto("/admin/products/new");
  await page.getByLabel("Name", { exact: true }).fill(NAME);
  await page.getByLabel("Description").fill("A numbered risograph print; this is the last one.");
  await page.getByLabel("Price (USD)").fill("25.00");
  await page.getByLabel("Stock", { exact: true }).fill("1");
  await page.getByLabel("Image").setInputFiles({ name: "print.png", mimeType: "image/png", buffer: PNG });
  await page.getByRole("button", { name: "Create product" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Product created" })).toBeVisible();

  const [alice, bob] = [await shopper(browser, "198.51.100.61"), await shopper(browser, "198.51.100.62")];
  await readyToPay(alice);
  await readyToPay(bob);
  // Both press "Pay" at once.
  const pay = (shopperPage: Page) => shopperPage.getByRole("button", { name: /^Pay .* with crypto$/ }).click();
  await Promise.all([pay(alice), pay(bob)]);
  // Each press ends at PayRam or with "sold out" on the checkout page: whichever comes first (no
  // fixed wait for the one that cannot come; the other wait ends with the page).
  const outcome = (shopperPage: Page) =>
    Promise.race([
      shopperPage.waitForURL(`${EMULATOR_URL}/payments?**`, { timeout: 20_000 }).then(() => "paid" as const, () => "neither"),
      shopperPage.getByText(`${NAME} is sold out.`).first().waitFor({ timeout: 20_000 }).then(() => "sold out" as const, () => "neither"),
    ]);
  const [aliceOutcome, bobOutcome] = await Promise.all([outcome(alice), outcome(bob)]);
  expect([aliceOutcome, bobOutcome].sort()).toEqual(["paid", "sold out"]);
  const [winner, loser] = aliceOutcome === "paid" ? [alice, bob] : [bob, alice];
  // Told on the checkout page (which reloads with the new stock), the cart kept.
  await expect(loser.getByText(`${NAME} is sold out.`).first()).toBeVisible();
  await loser.goto("/cart");
  await expect(loser.getByRole("list", { name: "Items in your cart" })).toContainText(NAME);
  await expect(loser.getByText("Sold out.")).toBeVisible();

  // Everyone now sees it sold out.
  await loser.goto("/");
  await loser.getByRole("link", { name: NAME }).click();
  await expect(loser.getByTestId("sold-out")).toHaveText("Sold out");
  await expect(loser.getByRole("button", { name: "Add to cart" })).toHaveCount(0);

  // The winner's payment is cancelled at PayRam with nothing received; back on the shop, the
  // order's page learns it (whether or not a webhook came first): the piece is back.
  const referenceId = new URL(winner.url()).searchParams.get("reference_id")!;
  await emulatorControl(winner, `/payments/${referenceId}/cancel`, "POST");
  await winner.goto(`${APP_URL}/checkout/return`);
  await winner.waitForURL(`${APP_URL}/orders/**`);
  await expect(winner.getByTestId("payment-state")).toHaveAttribute("data-state", "CANCELLED");
  await expect(async () => {
    await loser.reload();
    // Short: each reload gets its own look (an inner wait as long as toPass's would never reload).
    await expect(loser.getByTestId("stock-left")).toHaveText("Only 1 left", { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(loser.getByRole("button", { name: "Add to cart" })).toBeVisible();
});

test("a restart keeps the merchant's catalog: the demo catalog is seeded into a new database only", async () => {
  test.setTimeout(90_000);
  const dir = mkdtempSync(join(tmpdir(), "shop-restart-"));
  const path = join(dir, "shop.db");
  const env = {
    DATABASE_URL: `file:${path}`,
    PAYRAM_BASE_URL: "http://127.0.0.1:9",
    PAYRAM_API_KEY: TEST_API_KEY,
    SESSION_SECRET: TEST_SECRET,
    ADMIN_EMAIL: "owner@shop.localhost",
    ADMIN_PASSWORD: "restart-test-password",
    SWEEP_INTERVAL_MS: "0",
  };
  const db = createDb({ kind: "sqlite", path });
  try {
    let server = await startNextServer(3343, env);
    const home = async () => (await fetch(server.url)).text();
    expect(await home()).toContain("Aurora Desk Lamp");
    // The merchant's edits: a new name and price, a product archived.
    await db.updateTable("products").set({ name: "Aurora Lamp, Walnut", price_cents: 9400 }).where("slug", "=", "aurora-desk-lamp").execute();
    await db.updateTable("products").set({ active: 0 }).where("slug", "=", "brass-keyring").execute();
    await server.stop();

    server = await startNextServer(3343, env);
    const page = await home();
    await server.stop();
    expect(page).toContain("Aurora Lamp, Walnut");
    expect(page).toContain("$94.00");
    expect(page).not.toContain("Aurora Desk Lamp");
    expect(page).not.toContain("Solid Brass Keyring");
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
