import { expect, test, type APIRequestContext } from "@playwright/test";
import { checkoutToPayram, emulatorControl, emulatorPayments, whatFilled } from "./shop";
import { E2E_METRICS_TOKEN } from "./urls";

test.use({ extraHTTPHeaders: { "x-forwarded-for": "198.51.100.80" } });

/** One sample's value from Prometheus's text format (0 when the series is not there yet). */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split("\n")) {
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const has = (match[2] ?? "").split(",");
    if (wanted.every((pair) => has.includes(pair))) return Number(match[3]);
  }
  return 0;
}

async function scrape(request: APIRequestContext, authorization?: string) {
  return request.get("/api/metrics", { headers: authorization ? { authorization } : {} });
}

/**
 * What Prometheus sees of a payment: the shop's call to PayRam that opened it and the webhook
 * that brought its news are counted. Without the token (or with a wrong one) nothing is shown.
 */
test("a paid order's PayRam call and webhook verdict are counted at /api/metrics, for the token's holder only", async ({ page, request }) => {
  const before = await (await scrape(request, `Bearer ${E2E_METRICS_TOKEN}`)).text();

  const referenceId = await checkoutToPayram(page);
  const payment = (await emulatorPayments(page)).find((p) => p.referenceId === referenceId)!;
  await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: payment.amountInUSD });
  await expect.poll(() => whatFilled(referenceId), { timeout: 15_000 }).toBe("webhook");

  for (const authorization of [undefined, "Bearer not-the-token", `Basic ${Buffer.from(`x:${E2E_METRICS_TOKEN}`).toString("base64")}`]) {
    const refused = await scrape(request, authorization);
    expect(refused.status(), authorization ?? "no token").toBe(401);
    expect(await refused.text()).not.toContain("shop_");
  }

  const response = await scrape(request, `Bearer ${E2E_METRICS_TOKEN}`);
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toContain("text/plain");
  const after = await response.text();
  const grew = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
  expect(grew("shop_payram_request_duration_seconds_count", { endpoint: "create_payment", outcome: "ok" })).toBeGreaterThanOrEqual(1);
  expect(grew("shop_payram_request_duration_seconds_count", { endpoint: "get_payment", outcome: "ok" })).toBeGreaterThanOrEqual(1);
  expect(grew("shop_webhook_deliveries_total", { verdict: "accepted" })).toBeGreaterThanOrEqual(1);
  expect(grew("shop_payment_syncs_total", { source: "webhook", outcome: "changed" })).toBeGreaterThanOrEqual(1);
  expect(grew("shop_http_request_duration_seconds_count", { group: "webhook", method: "POST", status: "2xx" })).toBeGreaterThanOrEqual(1);
  // No label names a payment (the database's figures, read every 15 s, are app/api/metrics/route.test.ts's).
  expect(after).not.toContain(referenceId);
});
