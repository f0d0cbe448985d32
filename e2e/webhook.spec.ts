import { createHmac } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { checkoutToPayram, emulatorControl, whatFilled } from "./shop";
import { APP_URL, E2E_API_KEY } from "./urls";

/** PayRam's webhooks reaching the real route of a production build, from the emulator. */
async function expectOrderPaid(page: Page) {
  await page.goto(`${APP_URL}/checkout/return`);
  await expect
    .poll(async () => {
      await page.reload();
      return page.getByTestId("payment-state").getAttribute("data-state");
    }, { timeout: 20_000 })
    .toBe("FILLED");
}

test("a signed POST webhook from PayRam marks the order paid", async ({ page }) => {
  const referenceId = await checkoutToPayram(page);
  await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: "9.49" });
  await expectOrderPaid(page);
  // The webhook brought the news, not the status page's own poll of PayRam.
  expect(await whatFilled(referenceId)).toBe("webhook");
  const { deliveries } = (await emulatorControl(page, "/deliveries", "GET")) as { deliveries: { referenceId: string; responseStatus: number | null }[] };
  expect(deliveries.filter((d) => d.referenceId === referenceId).map((d) => d.responseStatus)).toContain(200);
});

test("the seed FAQ's GET webhook (no body reaches the app) still brings the order to PayRam's state", async ({ page }) => {
  await emulatorControl(page, "/config", "PUT", { webhooks: { method: "GET", signature: false, legacyApiKeyHeader: true } });
  try {
    const referenceId = await checkoutToPayram(page);
    await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: "9.49" });
    await expectOrderPaid(page);
    expect(await whatFilled(referenceId)).toBe("webhook");
    const { deliveries } = (await emulatorControl(page, "/deliveries", "GET")) as { deliveries: { referenceId: string; method: string; responseStatus: number | null }[] };
    expect(deliveries.filter((d) => d.referenceId === referenceId)).toContainEqual(expect.objectContaining({ method: "GET", responseStatus: 200 }));
  } finally {
    await emulatorControl(page, "/config", "PUT", { webhooks: { method: "POST", signature: true, legacyApiKeyHeader: true } });
  }
});

test.describe("the webhook route refuses what is not PayRam's", () => {
  const body = JSON.stringify({ reference_id: "00000000-0000-4000-8000-000000000000", status: "FILLED" });
  const sign = (raw: string, key: string) => `sha256=${createHmac("sha256", key).update(raw).digest("hex")}`;

  test("forged, unsigned, malformed, oversize — and the ping", async ({ request }) => {
    const forged = await request.post("/api/webhook", { data: body, headers: { "content-type": "application/json", "x-payram-signature": sign(body, "not-the-key"), "api-key": E2E_API_KEY } });
    expect(forged.status()).toBe(401);
    const anonymous = await request.post("/api/webhook", { data: body, headers: { "content-type": "application/json" } });
    expect(anonymous.status()).toBe(401);
    const malformed = "{oops";
    const bad = await request.post("/api/webhook", { data: Buffer.from(malformed), headers: { "content-type": "application/json", "x-payram-signature": sign(malformed, E2E_API_KEY) } });
    expect(bad.status()).toBe(400);
    const huge = JSON.stringify({ reference_id: "x", padding: "x".repeat(70 * 1024) });
    const oversize = await request.post("/api/webhook", { data: huge, headers: { "content-type": "application/json", "x-payram-signature": sign(huge, E2E_API_KEY) } });
    expect(oversize.status()).toBe(413);
    const unknown = await request.post("/api/webhook", { data: body, headers: { "content-type": "application/json", "x-payram-signature": sign(body, E2E_API_KEY) } });
    expect(unknown.status()).toBe(200);
    expect(await unknown.json()).toEqual({ ok: true, result: "unknown_reference" });
    const ping = await request.post("/api/webhook", { data: JSON.stringify({ event_type: "payout.ping" }), headers: { "content-type": "application/json", "x-webhook-test": "true" } });
    expect(ping.status()).toBe(200);
  });
});

// Last in the run: it uses up this client's allowance of refused deliveries for a minute.
test("a flood of forged deliveries gets 429 with Retry-After", async ({ request }) => {
  const body = JSON.stringify({ reference_id: "00000000-0000-4000-8000-000000000000" });
  let limited = null;
  for (let i = 0; i < 40 && !limited; i++) {
    const response = await request.post("/api/webhook", { data: body, headers: { "content-type": "application/json", "api-key": "forged-key-0123456" } });
    if (response.status() === 429) limited = response;
    else expect(response.status()).toBe(401);
  }
  expect(limited, "no 429 after 40 forged deliveries").not.toBeNull();
  expect(Number(limited!.headers()["retry-after"])).toBeGreaterThan(0);
});
