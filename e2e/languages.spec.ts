import { expect, test } from "@playwright/test";
import { createDb } from "../lib/db";
import { E2E_DATABASE } from "../playwright.config";
import { expectAccessible } from "./axe";
import { emulatorControl } from "./shop";
import { APP_URL, EMULATOR_URL } from "./urls";

// A Spanish browser (Accept-Language: es-ES), its own client address, and a clipboard the page may use.
test.use({ locale: "es-ES", extraHTTPHeaders: { "x-forwarded-for": "198.51.100.73" }, permissions: ["clipboard-read", "clipboard-write"] });

/** Brings the payment's expiry (as the shop stored it when it asked PayRam) to `ms` from now. */
async function expireIn(referenceId: string, ms: number) {
  const db = createDb({ kind: "sqlite", path: E2E_DATABASE });
  try {
    await db.updateTable("payment_attempts").set({ expires_at: new Date(Date.now() + ms).toISOString() }).where("reference_id", "=", referenceId).execute();
  } finally {
    await db.destroy();
  }
}

test("a Spanish shopper pays part, copies the address and the amount, sees the countdown, tops it up — in Spanish throughout", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(`${APP_URL}/es`);
  await expect(page.locator("html")).toHaveAttribute("lang", "es");
  await expect(page.locator('link[rel="alternate"][hreflang="fr"]')).toHaveAttribute("href", /\/fr$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Objetos cuidados, pagados en cripto");
  await page.getByRole("link", { name: "Lo-Fi Sound Pack" }).click();
  await expect(page).toHaveURL(/\/es\/products\//);
  await page.getByRole("button", { name: "Añadir al carrito" }).click();
  await expect(page.getByRole("status")).toContainText("Añadido a tu carrito.");

  await page.goto("/checkout");
  await page.getByLabel("Correo electrónico").fill("comprador@example.com");
  await page.getByRole("button", { name: /^Pagar 9,49\sUS\$ con cripto$/ }).click();
  await page.waitForURL(`${EMULATOR_URL}/payments?**`);
  const referenceId = new URL(page.url()).searchParams.get("reference_id")!;
  await page.goto(`${APP_URL}/checkout/return`);
  await page.waitForURL(`${APP_URL}/orders/**`);
  const state = page.getByTestId("payment-state");
  await expect(state).toHaveText("Esperando tu pago");

  // Part of it arrives: the rest, where to send it, in which token on which network.
  await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: "4.00" });
  await expect(state).toHaveText(/^Recibido 4,00\sUS\$ de 9,49\sUS\$$/);
  await expect(page.getByTestId("amount-remaining")).toHaveText(/^5,49\sUS\$$/);
  const { depositAddress } = (await emulatorControl(page, `/payments/${referenceId}`, "GET")) as { depositAddress: string };
  await expect(page.getByLabel(/Dirección de depósito/)).toHaveValue(depositAddress);
  await expect(page.getByTestId("payment-asset")).toHaveText("USDC en Base");
  await expect(page.getByText("Envía solo USDC en Base a esta dirección.", { exact: false })).toBeVisible();
  await expect(page.getByTestId("wallet-link")).toHaveAttribute("href", `ethereum:0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913@8453/transfer?address=${depositAddress}&uint256=5490000`);

  // Each copy button puts exactly its value on the clipboard, and says so.
  const copyAddress = page.getByRole("button", { name: "Copiar la dirección de depósito" });
  await copyAddress.click();
  await expect(copyAddress).toHaveText("Copiado");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(depositAddress);
  const copyAmount = page.getByRole("button", { name: "Copiar el importe" });
  await copyAmount.click();
  await expect(copyAmount).toHaveText("Copiado");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe("5.49");

  // Fewer than 15 minutes left: the countdown, and what happens at zero. Axe-clean in the dark theme.
  await expect(page.getByTestId("countdown")).toHaveCount(0);
  await expireIn(referenceId, 10 * 60_000);
  await page.reload();
  await expect(page.getByTestId("countdown")).toContainText(/Tiempo restante para pagar: \d+:\d\d/);
  await expect(page.getByTestId("countdown")).toContainText("Cuando se acabe el tiempo, este pago se cerrará.");
  await page.emulateMedia({ colorScheme: "dark" });
  await expectAccessible(page);

  // The rest arrives at the same address: paid.
  await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: "5.49" });
  await expect(state).toHaveText("Pagado — ¡gracias!");
  await expect(page.getByTestId("amount-remaining")).toHaveText(/^0,00\sUS\$$/);
});
