import { expect, test, type Browser } from "@playwright/test";
import { createDb } from "../lib/db";
import { hitRateLimit, LIMITS, SHOP_WIDE, type RateLimit } from "../lib/security/rate-limit";
import { E2E_DATABASE } from "../playwright.config";
import { addToCart, emulatorPayments, fillAddress } from "./shop";
import { signIn } from "./merchant";

/**
 * What a person sees when a limit is reached. The e2e server trusts one proxy (played by the
 * browser), so the last X-Forwarded-For entry is the client: each test speaks from its own
 * documentation address.
 */
async function pageFrom(browser: Browser, address: string) {
  const context = await browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": address } });
  return context.newPage();
}

/** Uses up `address`'s allowance in the window holding `at`, through the same library and database as the server. */
async function useUpAllowance(limit: RateLimit, address: string, at: number) {
  const db = createDb({ kind: "sqlite", path: E2E_DATABASE });
  try {
    for (let i = 0; i < limit.limit; i++) await hitRateLimit(db, limit, address, at);
  } finally {
    await db.destroy();
  }
}

test("a merchant who keeps mistyping the password is asked to wait, even with the right one; another address is not", async ({ browser }) => {
  const address = "198.51.100.7";
  // Windows follow the clock: should this test straddle the end of one, the next is full already.
  await useUpAllowance(LIMITS.signIn, address, Date.now() + LIMITS.signIn.windowMs);
  const page = await pageFrom(browser, address);
  const tooMany = page.getByRole("alert").filter({ hasText: /^Too many sign-in attempts\. Try again in \d+ minutes?\.$/ });
  const wrong = page.getByRole("alert").filter({ hasText: "That email or password is not right." });
  let refused = 0;
  while (refused <= LIMITS.signIn.limit) {
    await signIn(page, { password: `guess-${refused}` });
    await expect(wrong.or(tooMany)).toBeVisible();
    if (await tooMany.isVisible()) break;
    refused++;
  }
  expect(refused).toBeLessThanOrEqual(LIMITS.signIn.limit);
  await signIn(page);
  await expect(tooMany).toBeVisible();
  await page.goto("/admin");
  await expect(page).toHaveURL(/\/admin\/sign-in/);

  const elsewhere = await pageFrom(browser, "198.51.100.8");
  await signIn(elsewhere);
  await expect(elsewhere.getByRole("heading", { name: "Orders" })).toBeVisible();
  await Promise.all([page.context().close(), elsewhere.context().close()]);
});

test("while someone guesses from everywhere, a new browser gets in with the right password, one whose address had its check waits, and the merchant's known browser gets in", async ({ browser }) => {
  const known = await pageFrom(browser, "198.51.100.11");
  // The merchant signed in on this browser before, then the session ended.
  await signIn(known);
  await expect(known.getByRole("heading", { name: "Orders" })).toBeVisible();
  await known.context().clearCookies({ name: "shop_admin" });
  // The shop-wide budget for unknown browsers is spent, in this window and the next.
  await useUpAllowance(LIMITS.signInShopWide, SHOP_WIDE, Date.now());
  await useUpAllowance(LIMITS.signInShopWide, SHOP_WIDE, Date.now() + LIMITS.signInShopWide.windowMs);
  // This address has had its one check of the flood already (a guess, or the merchant's typo), in this window and the next.
  const spent = "198.51.100.13";
  await useUpAllowance(LIMITS.signInDuringFlood, spent, Date.now());
  await useUpAllowance(LIMITS.signInDuringFlood, spent, Date.now() + LIMITS.signInDuringFlood.windowMs);
  try {
    // A new browser from an address that did not guess: the right password gets in.
    const newBrowser = await pageFrom(browser, "198.51.100.12");
    await signIn(newBrowser);
    await expect(newBrowser.getByRole("heading", { name: "Orders" })).toBeVisible();
    await newBrowser.context().close();
    const stranger = await pageFrom(browser, spent);
    await signIn(stranger);
    await expect(stranger.getByRole("alert").filter({ hasText: /^Too many failed sign-ins to this shop\. Try again in \d+ minutes?; a browser that has signed in here before can sign in now\.$/ })).toBeVisible();
    await stranger.goto("/admin");
    await expect(stranger).toHaveURL(/\/admin\/sign-in/);
    await signIn(known);
    await expect(known.getByRole("heading", { name: "Orders" })).toBeVisible();
    await stranger.context().close();
  } finally {
    // Later specs sign in from new browsers.
    const db = createDb({ kind: "sqlite", path: E2E_DATABASE });
    await db.deleteFrom("rate_limits").where("bucket", "=", `${LIMITS.signInShopWide.name}:${SHOP_WIDE}`).execute();
    await db.destroy();
    await known.context().close();
  }
});

test("a shopper over the checkout limit is told when to come back, keeps the cart and the typed address, and no payment is opened", async ({ browser }) => {
  const address = "198.51.100.9";
  // This address has used its submissions already, in this window and the next.
  await useUpAllowance(LIMITS.checkout, address, Date.now());
  await useUpAllowance(LIMITS.checkout, address, Date.now() + LIMITS.checkout.windowMs);
  const page = await pageFrom(browser, address);
  const paymentsBefore = (await emulatorPayments(page)).length;
  await addToCart(page, "Merino Beanie", 1);
  await page.goto("/checkout");
  await page.getByLabel("Email").fill("limited@example.com");
  await fillAddress(page);
  await page.getByRole("button", { name: /^Pay .* with crypto$/ }).click();

  await expect(page.getByRole("alert").filter({ hasText: /^Too many checkout attempts from your network\. Please try again in \d+ minutes?; your cart is saved\.$/ })).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue("limited@example.com");
  await expect(page.getByLabel("Full name")).toHaveValue("Ada Lovelace");
  await expect(page.getByLabel("City")).toHaveValue("London");
  expect(page.url()).toMatch(/\/checkout$/);
  expect(await emulatorPayments(page)).toHaveLength(paymentsBefore);
  await page.goto("/cart");
  await expect(page.getByRole("link", { name: "Merino Beanie" })).toBeVisible();
  await page.context().close();
});
