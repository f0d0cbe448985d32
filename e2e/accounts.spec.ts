import { expect, test, type Browser, type Page } from "@playwright/test";
import { createDb } from "../lib/db";
import { E2E_DATABASE } from "../playwright.config";
import { signIn, signInWithCode, totpCode } from "./merchant";
import { checkoutToPayram, emulatorControl } from "./shop";
import { APP_URL } from "./urls";

/**
 * Issue 30's "done when", in the browser: the owner invites a manager and a staff member; the
 * manager accepts, sets up an authenticator and signs in with a code; the staff member's refund
 * request makes no payout until the manager approves it, then exactly one; the owner disables the
 * staff member, whose open page loses access on its next request; the audit log names each step.
 */
const WALLET = "0x52908400098527886E0F7030069857D2E4169EE7";

async function pageFrom(browser: Browser, address: string): Promise<Page> {
  return (await browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": address } })).newPage();
}

/** The invitation link mailed to `email`, read from the e2e server's outbox (mail is off there). */
async function invitationLink(email: string): Promise<string> {
  const db = createDb({ kind: "sqlite", path: E2E_DATABASE });
  try {
    const row = await db.selectFrom("outbox").select("payload").where("recipient", "=", email).where("kind", "=", "person_invite").orderBy("id", "desc").executeTakeFirstOrThrow();
    return `${APP_URL}/admin/invite?token=${(JSON.parse(row.payload) as { token: string }).token}`;
  } finally {
    await db.destroy();
  }
}

async function acceptInvitation(page: Page, email: string, password: string) {
  await page.goto(await invitationLink(email));
  await page.getByLabel("New password").fill(password);
  await page.getByLabel("The same again").fill(password);
  await page.getByRole("button", { name: "Set my password" }).click();
  await expect(page.getByText("Your password is set.")).toBeVisible();
  await signIn(page, { email, password });
  await expect(page.getByRole("heading", { name: "Orders" })).toBeVisible();
}

async function payoutsTo(page: Page, address: string): Promise<number> {
  const { payouts } = (await emulatorControl(page, "/payouts", "GET")) as { payouts: { toAddress: string }[] };
  return payouts.filter((payout) => payout.toAddress === address).length;
}

test("invite, accept, enrol a second factor, sign in with a code; a staff refund waits for a manager's approval; a disabled person is out at once; the audit log tells who", async ({ page, browser }) => {
  test.setTimeout(180_000);
  const stamp = Date.now();
  const managerEmail = `manager-${stamp}@example.com`;
  const staffEmail = `staff-${stamp}@example.com`;

  // An overpaid order: $12.00 for $9.49.
  const referenceId = await checkoutToPayram(page);
  await page.goto(`${APP_URL}/checkout/return`);
  await page.waitForURL(`${APP_URL}/orders/**`);
  await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: "12.00" });
  await expect(page.getByTestId("payment-state")).toHaveAttribute("data-state", "OVER_FILLED");
  const orderId = new URL(page.url()).pathname.split("/").pop()!;

  // The owner invites a manager and a staff member.
  const owner = await pageFrom(browser, "198.51.100.90");
  await signIn(owner);
  await expect(owner.getByRole("heading", { name: "Orders" })).toBeVisible();
  await owner.getByRole("link", { name: "People" }).click();
  await expect(owner.getByRole("heading", { name: "Invite someone" })).toBeVisible();
  for (const [email, role] of [[managerEmail, "Manager"], [staffEmail, "Staff"]] as const) {
    await owner.getByLabel("Email", { exact: true }).fill(email);
    await owner.getByLabel("Role", { exact: true }).selectOption({ label: role });
    await owner.getByRole("button", { name: "Invite" }).click();
    await expect(owner.getByText(`Invitation mailed to ${email}`)).toBeVisible();
  }

  // The manager accepts, sets up an authenticator (codes computed from the secret shown), and signs in again with a code.
  const manager = await pageFrom(browser, "198.51.100.91");
  await acceptInvitation(manager, managerEmail, "the manager's own password");
  await manager.getByRole("link", { name: "Security" }).click();
  await expect(manager.getByRole("heading", { name: "Second factor" })).toBeVisible();
  await manager.getByRole("button", { name: "Set up an authenticator app" }).click();
  const secret = (await manager.getByTestId("totp-secret").textContent())!.trim();
  await manager.getByLabel("The 6-digit code it shows").fill(await totpCode(secret));
  await manager.getByRole("button", { name: "Turn on" }).click();
  await expect(manager.getByTestId("recovery-codes").locator("li")).toHaveCount(10);
  await manager.getByRole("button", { name: "Sign out" }).click();
  await expect(manager).toHaveURL(/\/admin\/sign-in/);
  await signInWithCode(manager, { email: managerEmail, password: "the manager's own password" }, secret);

  // The staff member asks for a refund: recorded as waiting, and PayRam is not asked.
  const staff = await pageFrom(browser, "198.51.100.92");
  await acceptInvitation(staff, staffEmail, "the packer's own password");
  await expect(staff.getByRole("link", { name: "People" })).toHaveCount(0);
  await staff.goto(`${APP_URL}/admin/orders/${orderId}`);
  await staff.getByLabel("Shopper's wallet address").fill(WALLET);
  await staff.getByLabel("Amount (USD)").fill("2.51");
  await staff.getByRole("button", { name: "Request this refund (needs approval)" }).click();
  await expect(staff.getByTestId("refund-status")).toContainText("waits for an owner's or manager's approval. Nothing was sent.");
  expect(await payoutsTo(staff, WALLET)).toBe(0);

  // The manager (a code entered minutes ago) approves it: exactly one payout.
  await manager.goto(`${APP_URL}/admin/orders/${orderId}`);
  await expect(manager.getByTestId("refund-request")).toContainText(`requested by ${staffEmail}`);
  await manager.getByRole("button", { name: "Approve and send" }).click();
  await expect(manager.getByTestId("refunds").locator("li")).toHaveCount(1);
  await expect.poll(() => payoutsTo(manager, WALLET)).toBe(1);
  await expect(manager.getByRole("button", { name: "Approve and send" })).toHaveCount(0);

  // The owner disables the staff member: their open page loses access on its next request.
  await owner.goto(`${APP_URL}/admin/people`);
  await owner.locator(`tr[data-email="${staffEmail}"]`).getByRole("button", { name: "Disable" }).click();
  await expect(owner.getByText("Disabled: their sessions ended.")).toBeVisible();
  await staff.getByRole("button", { name: "Sync with PayRam now" }).click();
  await expect(staff.getByRole("status").filter({ hasText: "Your session has ended" })).toBeVisible();
  await staff.reload();
  await expect(staff).toHaveURL(/\/admin\/sign-in/);

  // The audit log, for this order and for the people, names who did each step.
  await owner.goto(`${APP_URL}/admin/audit`);
  const rows = owner.getByTestId("audit").locator("tbody tr");
  const row = (action: string, who: string) => rows.filter({ has: owner.locator(`td:nth-child(3)`, { hasText: new RegExp(`^${action.replace(".", "\\.")}$`) }) }).filter({ hasText: who });
  await expect(row("person.invite", "e2e-owner@shop.localhost").filter({ hasText: managerEmail })).toHaveCount(1);
  await expect(row("person.accept-invite", managerEmail)).toHaveCount(1);
  await expect(row("account.second-factor", managerEmail)).toHaveCount(1);
  await expect(row("sign-in", managerEmail).filter({ hasText: "with a second factor" })).toHaveCount(1);
  await expect(row("refund.request", staffEmail).filter({ hasText: "needs approval" })).toHaveCount(1);
  await expect(row("refund.approve", managerEmail).filter({ hasText: "done" })).toHaveCount(1);
  await expect(row("person.disable", "e2e-owner@shop.localhost").filter({ hasText: "enabled -> disabled" })).toHaveCount(1);
  await Promise.all([owner.context().close(), manager.context().close(), staff.context().close()]);
});
