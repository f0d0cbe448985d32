import { expect, type Page } from "@playwright/test";
import { createDb } from "../lib/db";
import { E2E_DATABASE } from "../playwright.config";
import { EMULATOR_URL } from "./urls";

/** What a shopper does, step by step, for the specs that need an order. */
export async function addToCart(page: Page, productName: string, quantity: number) {
  await page.goto("/");
  await page.getByRole("link", { name: productName }).click();
  await expect(page.getByRole("heading", { level: 1, name: productName })).toBeVisible();
  await page.getByLabel("Quantity").fill(String(quantity));
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect(page.getByRole("status")).toContainText("Added");
}

export async function fillAddress(page: Page) {
  await page.getByLabel("Full name").fill("Ada Lovelace");
  await page.getByLabel("Street address").fill("12 St James's Square");
  await page.getByLabel("City").fill("London");
  await page.getByLabel("Postal code").fill("SW1Y 4JH");
  await page.getByLabel("Country").fill("United Kingdom");
}

/** Buys one of a product and stops on PayRam's page; returns the PayRam reference. */
export async function checkoutToPayram(page: Page, productName = "Lo-Fi Sound Pack", email = "shopper@example.com"): Promise<string> {
  await addToCart(page, productName, 1);
  await page.goto("/checkout");
  await page.getByLabel("Email").fill(email);
  if (await page.getByLabel("Full name").count()) await fillAddress(page);
  await page.getByRole("button", { name: /^Pay .* with crypto$/ }).click();
  await page.waitForURL(`${EMULATOR_URL}/payments?**`);
  return new URL(page.url()).searchParams.get("reference_id")!;
}

export interface EmulatorPayment {
  referenceId: string;
  customerId: string;
  amountInUSD: string;
  state: string;
}

export async function emulatorPayments(page: Page): Promise<EmulatorPayment[]> {
  const response = await page.request.get(`${EMULATOR_URL}/__emulator/payments`);
  return ((await response.json()) as { payments: EmulatorPayment[] }).payments;
}

/** The emulator's control API. */
export async function emulatorControl(page: Page, path: string, method: "GET" | "POST" | "PUT", data?: unknown) {
  const response = await page.request.fetch(`${EMULATOR_URL}/__emulator${path}`, { method, data });
  expect(response.ok(), `${method} ${path}: ${response.status()}`).toBe(true);
  return response.json();
}

/** What brought a payment to FILLED, read from the e2e server's database: "webhook", "poll"…, or null while it is not. */
export async function whatFilled(referenceId: string): Promise<string | null> {
  const db = createDb({ kind: "sqlite", path: E2E_DATABASE });
  try {
    const event = await db
      .selectFrom("payment_events")
      .innerJoin("payment_attempts", "payment_attempts.id", "payment_events.attempt_id")
      .select("payment_events.source")
      .where("payment_attempts.reference_id", "=", referenceId)
      .where("payment_events.to_state", "=", "FILLED")
      .executeTakeFirst();
    return event?.source ?? null;
  } finally {
    await db.destroy();
  }
}
