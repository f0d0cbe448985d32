import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { E2E_API_KEY, EMULATOR_URL } from "./urls";

/**
 * The emulator's hosted payment page in a real browser: the shop redirects shoppers here, and the
 * demo and the other end-to-end specs pay through these buttons.
 */
async function expectNoAxeViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
}

test("the hosted payment page takes a payment in two parts and ends FILLED", async ({ page, request }) => {
  const headers = { "API-Key": E2E_API_KEY };
  const created = await request.post(`${EMULATOR_URL}/api/v1/payment`, {
    headers,
    data: { customerEmail: "shopper@example.com", customerID: `e2e_emulator_${Date.now()}`, amountInUSD: 24.5 },
  });
  expect(created.status()).toBe(200);
  const { url, reference_id: referenceId } = (await created.json()) as { url: string; reference_id: string };
  expect(new URL(url).origin).toBe(EMULATOR_URL);

  await page.goto(url);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Pay ");
  const state = page.getByTestId("payment-state");
  await expect(state).toHaveText("OPEN");
  await expect(page.getByRole("img", { name: "QR code of the deposit address" })).toBeVisible();
  await expect(page.getByLabel(/Deposit address/)).toHaveValue(/^0x[0-9a-f]{40}$/);
  await expectNoAxeViolations(page);

  await page.getByRole("button", { name: "Send partial amount" }).click();
  await expect(state).toHaveText("PARTIALLY_FILLED");
  await expect(page.locator("#amount-received")).toHaveText("$12.25");
  await expect(page.locator("#amount-remaining")).toHaveText("$12.25");

  // The rest by keyboard: type the remaining amount into the labelled field and submit with Enter.
  await page.getByLabel("Custom amount (USD)").fill("12.25");
  await page.getByLabel("Custom amount (USD)").press("Enter");
  await expect(page.getByText("FILLED", { exact: true })).toBeVisible();
  await expect(page.locator("#amount-received")).toHaveText("$24.50");
  await expect(page.getByRole("button", { name: "Send full amount" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: /^Return to / })).toHaveAttribute("href", new RegExp(`[?&]reference_id=${referenceId}$`));
  await expectNoAxeViolations(page);

  const status = await request.get(`${EMULATOR_URL}/api/v1/payment/reference/${referenceId}`, { headers });
  expect(await status.json()).toMatchObject({ paymentState: "FILLED", amountInUSD: "24.50", filledAmountInUSD: "24.50" });
});
