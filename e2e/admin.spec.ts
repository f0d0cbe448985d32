import { expect, test, type Page } from "@playwright/test";
import { ADMIN_COOKIE, createSessionToken, newSessionId } from "../lib/auth/session";
import { checkoutToPayram, emulatorControl } from "./shop";
import { signIn } from "./merchant";
import { APP_URL, E2E_SESSION_SECRET } from "./urls";

// This file's sign-ins count against their own address's limit (the e2e server trusts no proxy,
// so the last X-Forwarded-For entry is the client), not against the other specs' allowance.
test.use({ extraHTTPHeaders: { "x-forwarded-for": "198.51.100.20" } });


test("anonymous requests get nothing: pages go to sign-in, routes and actions get 401", async ({ page, request }) => {
  for (const path of ["/admin", "/admin/attention", "/admin/orders/AAAAAAAAAAAAAAAAAAAAAA"]) {
    await page.goto(path);
    await expect(page).toHaveURL(/\/admin\/sign-in\?next=/);
    await expect(page.getByRole("heading", { name: "Merchant sign-in" })).toBeVisible();
  }
  expect((await request.get("/admin/api/orders.csv", { maxRedirects: 0 })).status()).toBe(401);
  // A server action is a public endpoint: without a session it is refused before it runs.
  const action = await request.post("/admin/orders/AAAAAAAAAAAAAAAAAAAAAA", { headers: { "next-action": "0".repeat(42) }, data: "[]", maxRedirects: 0 });
  expect(action.status()).toBe(401);
});

test("after signing in, a crafted next= leads back into the merchant area, never to another site (issue 29.1)", async ({ page }) => {
  for (const next of ["/admin/../..//evil.example", "//evil.example/admin", "/admin/..\\..\\/evil.example"]) {
    await page.context().clearCookies();
    await signIn(page, { next });
    await expect(page).toHaveURL(`${APP_URL}/admin`);
    await expect(page.getByRole("heading", { name: "Orders" })).toBeVisible();
  }
});

async function sessionCookie(page: Page): Promise<string> {
  const cookie = (await page.context().cookies()).find((c) => c.name === ADMIN_COOKIE);
  expect(cookie, "the merchant's session cookie").toBeDefined();
  return cookie!.value;
}

test("a wrong password is refused; a tampered or expired session sends the merchant back to sign in", async ({ page, context }) => {
  await signIn(page, { password: "not-the-password" });
  await expect(page.getByRole("alert").filter({ hasText: "That email or password is not right." })).toBeVisible();
  // Control characters are just a wrong password, not a server error; so is an unknown email.
  await signIn(page, { password: "not\u0000the\u0007password\u001b" });
  await expect(page.getByRole("alert").filter({ hasText: "That email or password is not right." })).toBeVisible();
  await signIn(page, { email: "nobody@example.com" });
  await expect(page.getByRole("alert").filter({ hasText: "That email or password is not right." })).toBeVisible();

  await signIn(page);
  await expect(page.getByRole("heading", { name: "Orders" })).toBeVisible();
  const valid = await sessionCookie(page);
  const host = new URL(APP_URL).hostname;
  const [id, expires, mac] = valid.split(".") as [string, string, string];
  const tampered = [`${id}.${Number(expires) + 60_000}.${mac}`, `${newSessionId()}.${expires}.${mac}`];
  const keys = { sessionSecret: E2E_SESSION_SECRET };
  const expired = createSessionToken(keys, { id, expiresAt: Date.now() - 1_000 });
  for (const token of [...tampered, expired, "garbage"]) {
    await context.addCookies([{ name: ADMIN_COOKIE, value: token, domain: host, path: "/" }]);
    await page.goto("/admin");
    await expect(page).toHaveURL(/\/admin\/sign-in/);
  }
  await context.addCookies([{ name: ADMIN_COOKIE, value: valid, domain: host, path: "/" }]);
  await page.goto("/admin");
  await expect(page.getByRole("heading", { name: "Orders" })).toBeVisible();
});

test("signing out ends the session on the server: a kept copy of the cookie opens neither the pages nor the CSV", async ({ page, context, request }) => {
  await signIn(page);
  await expect(page.getByRole("heading", { name: "Orders" })).toBeVisible();
  const kept = await sessionCookie(page);
  const csvWith = (cookie: string) => request.get("/admin/api/orders.csv", { headers: { cookie: `${ADMIN_COOKIE}=${cookie}` }, maxRedirects: 0 });
  expect((await csvWith(kept)).status()).toBe(200);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/admin\/sign-in/);
  await context.addCookies([{ name: ADMIN_COOKIE, value: kept, domain: new URL(APP_URL).hostname, path: "/" }]);
  await page.goto("/admin");
  await expect(page).toHaveURL(/\/admin\/sign-in/);
  await expect(page.getByRole("heading", { name: "Merchant sign-in" })).toBeVisible();
  expect((await csvWith(kept)).status()).toBe(401);
});

test("sign in, find an order by email, see its webhook history, sync it with PayRam, sign out", async ({ page }) => {
  // The shopper pays part while webhooks are off: only "sync now" can tell the shop.
  const email = `merchant-journey-${Date.now()}@example.com`;
  const referenceId = await checkoutToPayram(page, "Lo-Fi Sound Pack", email);
  await emulatorControl(page, "/config", "PUT", { webhooks: { enabled: false } });
  try {
    await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: "4.00" });

    await signIn(page);
    await expect(page.getByRole("heading", { name: "Orders" })).toBeVisible();
    await page.getByLabel("Search by order number, email or PayRam reference").fill(email);
    await page.getByRole("button", { name: "Search" }).click();
    const rows = page.getByRole("row");
    await expect(rows).toHaveCount(2);
    // States read in words; the machine name stays in data-state and in the filter's URL.
    await expect(rows.nth(1).locator("[data-state]")).toHaveText("Awaiting payment");
    await expect(rows.nth(1).locator("[data-state]")).toHaveAttribute("data-state", "OPEN");
    const filters = page.getByRole("navigation", { name: "Filter by state" });
    await expect(filters.getByRole("link", { name: /^Partly paid \d+$/ })).toHaveAttribute("href", /state=PARTIALLY_FILLED/);
    await expect(filters.getByRole("link", { name: /^Could not start \d+$/ })).toHaveAttribute("href", /state=START_FAILED/);
    await rows.nth(1).getByRole("link").click();

    await expect(page.getByTestId("admin-payment-state")).toHaveText("Awaiting payment");
    await page.getByRole("button", { name: "Sync with PayRam now" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Updated from PayRam" })).toHaveText("Updated from PayRam: 1 payment checked, awaiting payment → partly paid.");
    await expect(page.getByTestId("admin-payment-state")).toHaveText("Partly paid");
    await expect(page.getByTestId("admin-payment-state")).toHaveAttribute("data-state", "PARTIALLY_FILLED");
    await expect(page.getByTestId("admin-received")).toHaveText("$4.00");
    await expect(page.getByTestId("timeline")).toContainText("OPEN → PARTIALLY_FILLED (merchant)");
  } finally {
    await emulatorControl(page, "/config", "PUT", { webhooks: { enabled: true } });
  }
  // Now a webhook arrives for the rest, and the history shows how it was received.
  await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: "5.49" });
  await expect
    .poll(async () => {
      await page.reload();
      return page.getByTestId("timeline").textContent();
    })
    // The delivery with its verdict: "accepted", or "throttled" when it came within 2 s
    // of the merchant's sync and PayRam was asked again just after.
    .toMatch(/Webhook POST · (accepted|throttled) · said FILLED.*authenticated by signature/);
  // A throttled delivery's news is applied when the claim ends (a second or two later).
  await expect
    .poll(async () => {
      await page.reload();
      return page.getByTestId("timeline").textContent();
    })
    .toContain("PARTIALLY_FILLED → FILLED (webhook)");

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/admin\/sign-in/);
  await page.goto("/admin");
  await expect(page).toHaveURL(/\/admin\/sign-in/);
});

test("needs attention shows an overpaid order, and resolving it keeps the note in the order's history", async ({ page }) => {
  const referenceId = await checkoutToPayram(page);
  await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: "15.00" });
  await signIn(page);
  await page.getByRole("link", { name: "Needs attention" }).click();
  await expect(page.getByRole("heading", { name: "Needs attention" })).toBeVisible();
  const item = page.getByTestId("attention-item").filter({ hasText: "received 15.00 USD for 9.49 USD: 5.51 USD more" });
  // The webhook that reports the overpayment may land a moment after the deposit.
  await expect(async () => {
    await page.reload();
    await expect(item).toHaveCount(1, { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  const orderLink = item.getByRole("link");
  const label = (await orderLink.textContent())!.toLowerCase();
  await item.getByLabel(`Note for ${label}`).fill("Refunded 5.51 USD");
  await item.getByRole("button", { name: `Mark resolved for ${label}` }).click();
  await expect(item).toHaveCount(0);
  await page.goto(`${APP_URL}/admin`);
  await page.getByLabel("Search by order number, email or PayRam reference").fill(referenceId);
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByRole("row").nth(1).getByRole("link").click();
  await expect(page.getByTestId("timeline")).toContainText("Resolved: overpaid");
  await expect(page.getByTestId("timeline")).toContainText("Refunded 5.51 USD");
});
