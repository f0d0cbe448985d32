import { expect, test } from "@playwright/test";
import { createDb } from "../lib/db";
import { createPerson } from "../lib/auth/people";
import { E2E_DATABASE } from "../playwright.config";
import { expectAccessible } from "./axe";
import { signIn } from "./merchant";
import { E2E_ADMIN_PASSWORD } from "./urls";

/**
 * Issue 30's passkeys in Chromium, with the DevTools protocol's virtual authenticator (a platform
 * authenticator that verifies the user, as a laptop's fingerprint reader does): an owner adds a
 * passkey on the Security page, confirms a money action (a role change) with it in place, signs
 * out, and signs in again with the password and the passkey. The audit log has each use.
 */
test("add a passkey, confirm a money action with it in place, sign in with password + passkey", async ({ page }) => {
  const stamp = Date.now();
  const email = `passkey-owner-${stamp}@example.com`;
  const packer = `passkey-packer-${stamp}@example.com`;
  const db = createDb({ kind: "sqlite", path: E2E_DATABASE });
  try {
    for (const [who, role] of [[email, "owner"], [packer, "staff"]] as const) {
      const made = await createPerson(db, { email: who, role, password: E2E_ADMIN_PASSWORD });
      if (!made.ok) throw new Error(made.error);
    }

    const cdp = await page.context().newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    await cdp.send("WebAuthn.addVirtualAuthenticator", { options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true } });

    // Signed in with the password only (no second factor yet), the owner adds a passkey.
    await signIn(page, { email, next: "/admin/security" });
    await page.getByLabel("Name of the new passkey").fill("Laptop");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await expect(page.getByText("Passkey “Laptop” added: it works as your second factor.")).toBeVisible();
    await expect(page.getByTestId("passkeys").locator("tr[data-name='Laptop']")).toContainText("never");
    await expect(page.getByTestId("second-factor-state")).toHaveText("On (1 passkey).");
    await expect(page.getByLabel("Name of the new passkey")).toHaveValue("");
    await expectAccessible(page);

    // A money action asks for it in place (none entered in this session): the passkey confirms it.
    await page.getByRole("link", { name: "People" }).click();
    const row = page.locator(`tr[data-email="${packer}"]`);
    await row.getByLabel(`Role of ${packer}`).selectOption({ label: "Manager" });
    await row.getByRole("button", { name: "Confirm with a passkey" }).click();
    await expect(row.getByTestId("passkey-ready")).toBeVisible();
    await row.getByRole("button", { name: "Change role" }).click();
    await expect(row.getByText("Role changed: staff -> manager.")).toBeVisible();

    // Signed out, the password alone is not enough: the passkey finishes the sign-in.
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/admin\/sign-in/);
    await signIn(page, { email });
    await expect(page.getByRole("alert").filter({ hasText: "Use your passkey to finish signing in." })).toBeVisible();
    await page.getByRole("button", { name: "Use a passkey" }).click();
    await expect(page.getByRole("heading", { name: "Orders" })).toBeVisible();

    const trail = await db.selectFrom("audit_log").select(["action", "outcome", "detail"]).where("person_email", "=", email).where("action", "in", ["passkey.register", "passkey.use", "person.role", "sign-in"]).orderBy("id").execute();
    expect(trail.map((entry) => `${entry.action} ${entry.outcome}: ${entry.detail}`)).toEqual([
      "sign-in done: with a password",
      "passkey.register done: “Laptop” added",
      "passkey.use done: step-up: “Laptop”",
      "person.role done: staff -> manager",
      `sign-in refused: ${email}: Use your passkey to finish signing in.`,
      "passkey.use done: sign-in: “Laptop”",
      "sign-in done: with a second factor (the passkey “Laptop”)",
    ]);
  } finally {
    await db.destroy();
  }
});
