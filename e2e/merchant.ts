import { expect, type Page } from "@playwright/test";
import { generate } from "otplib";
import { createDb } from "../lib/db";
import { createPerson, findPersonByEmail } from "../lib/auth/people";
import { setTotpSecret } from "../lib/auth/second-factor";
import { E2E_DATABASE } from "../playwright.config";
import { APP_URL, E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD, E2E_MONEY_EMAIL, E2E_MONEY_TOTP_SECRET } from "./urls";

/**
 * Signing in to the merchant area, the one way every spec does it. `signIn` fills the form (the
 * first owner by default) and submits; the caller checks where it led. `signInForMoney` signs in
 * the e2e manager who has an authenticator, with a code: money actions are then open for five
 * minutes (step-up), as for a real merchant who just entered one.
 */
export async function signIn(page: Page, options: { email?: string; password?: string; next?: string } = {}): Promise<void> {
  await page.goto(`${APP_URL}/admin/sign-in${options.next === undefined ? "" : `?next=${encodeURIComponent(options.next)}`}`);
  await page.getByLabel("Email", { exact: true }).fill(options.email ?? E2E_ADMIN_EMAIL);
  await page.getByLabel("Password").fill(options.password ?? E2E_ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** The current code of an authenticator secret, as the person's phone shows it. */
export function totpCode(secret: string, at = Date.now()): Promise<string> {
  return generate({ secret, epoch: Math.floor(at / 1000) });
}

/**
 * Signs in a person with an authenticator: email and password, then the code the form asks for.
 * A code counts once (per 30-second step): when this step's was used already (enrolling just now,
 * another spec as the same person), the next step's is typed (the shop accepts a phone's clock up
 * to 30 seconds ahead), on a fresh form.
 */
export async function signInWithCode(page: Page, credentials: { email: string; password: string }, secret: string): Promise<void> {
  const usedAlready = page.getByRole("alert").filter({ hasText: "was used already" });
  const signedIn = page.getByRole("heading", { name: "Orders" });
  for (let tries = 0; ; tries++) {
    await signIn(page, credentials);
    const code = await totpCode(secret, Date.now() + (tries % 2) * 30_000);
    await page.getByLabel("Code from your authenticator app").fill(code);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(signedIn.or(usedAlready)).toBeVisible();
    if (await signedIn.isVisible()) return;
    if (tries === 3) throw new Error("no fresh authenticator code was accepted");
    if (tries % 2 === 1) await expect.poll(() => totpCode(secret), { timeout: 35_000 }).not.toBe(code);
  }
}

/** The e2e manager with a known authenticator, made once in the e2e database (specs run side by side). */
async function ensureMoneyPerson(): Promise<void> {
  const db = createDb({ kind: "sqlite", path: E2E_DATABASE });
  try {
    const made = await createPerson(db, { email: E2E_MONEY_EMAIL, role: "manager", password: E2E_ADMIN_PASSWORD });
    if (made.ok) await setTotpSecret(db, made.person.id, E2E_MONEY_TOTP_SECRET);
    // Another spec made it: wait until its authenticator is set too.
    await expect.poll(async () => (await findPersonByEmail(db, E2E_MONEY_EMAIL))?.totp_secret ?? null, { timeout: 10_000 }).toBe(E2E_MONEY_TOTP_SECRET);
  } finally {
    await db.destroy();
  }
}

export async function signInForMoney(page: Page): Promise<void> {
  await ensureMoneyPerson();
  await signInWithCode(page, { email: E2E_MONEY_EMAIL, password: E2E_ADMIN_PASSWORD }, E2E_MONEY_TOTP_SECRET);
}
