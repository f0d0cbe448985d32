import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { addToCart, emulatorControl, fillAddress } from "./shop";
import { APP_URL, EMULATOR_URL } from "./urls";
import { signIn } from "./merchant";

test.use({ extraHTTPHeaders: { "x-forwarded-for": "198.51.100.70" } });

/**
 * After "Paid": a mixed order's digital line downloads from the order's download page, and the
 * merchant ships its physical line, which the shopper's open page then shows (pushed).
 */
test("a shopper downloads the digital line of a paid order, and sees the tracking once the merchant ships the physical one", async ({ page, browser }) => {
  await addToCart(page, "Aurora Desk Lamp", 1);
  await addToCart(page, "Lo-Fi Sound Pack", 1);
  await page.goto("/checkout");
  await page.getByLabel("Email").fill("fulfilment@example.com");
  await fillAddress(page);
  await page.getByRole("button", { name: "Pay $98.49 with crypto" }).click();
  await page.waitForURL(`${EMULATOR_URL}/payments?**`);
  const referenceId = new URL(page.url()).searchParams.get("reference_id")!;
  await emulatorControl(page, `/payments/${referenceId}/deposit`, "POST", { amountInUSD: "98.49" });

  await page.goto(`${APP_URL}/checkout/return`);
  await page.waitForURL(`${APP_URL}/orders/**`);
  const orderUrl = page.url();
  const orderNumber = (await page.getByRole("heading", { level: 1 }).textContent())!.replace(/^Order #/, "");
  await expect(page.getByTestId("payment-state")).toHaveAttribute("data-paid", "true");

  // The status page leads to the download page, never to the file itself.
  const downloadsLink = page.getByRole("link", { name: "Your downloads" });
  await expect(downloadsLink).toHaveAttribute("href", `${new URL(orderUrl).pathname}/downloads`);
  await downloadsLink.click();
  await expect(page.getByRole("heading", { level: 1, name: "Your downloads" })).toBeVisible();
  const line = page.getByTestId("download-line");
  await expect(line).toHaveCount(1);
  await expect(line).toContainText("Lo-Fi Sound Pack");
  await expect(line).toContainText("5 of 5 downloads left");

  const fileLink = line.getByRole("link", { name: "Download lofi-sound-pack-readme.txt" });
  const [download] = await Promise.all([page.waitForEvent("download"), fileLink.click()]);
  expect(download.suggestedFilename()).toBe("lofi-sound-pack-readme.txt");
  expect(await readFile((await download.path())!, "utf8")).toContain("Lo-Fi Sound Pack\n================");

  // The answer's headers, and a refused link: tampered, or for a line that is not a download.
  const href = (await fileLink.getAttribute("href"))!;
  const served = await page.request.get(href);
  expect(served.status()).toBe(200);
  expect(served.headers()).toMatchObject({
    "content-type": "text/plain; charset=utf-8",
    "content-disposition": `attachment; filename="lofi-sound-pack-readme.txt"; filename*=UTF-8''lofi-sound-pack-readme.txt`,
    "cache-control": "private, no-store",
    "x-content-type-options": "nosniff",
  });
  // HEAD and a resumed download (a range after the first byte) are not new downloads (issue 29.6).
  const file = await served.body();
  const head = await page.request.head(href);
  expect(head.status()).toBe(200);
  expect(head.headers()).toMatchObject({ "accept-ranges": "bytes", etag: served.headers()["etag"] });
  expect(await head.body()).toHaveLength(0);
  const resumed = await page.request.get(href, { headers: { Range: "bytes=10-", "If-Range": served.headers()["etag"]! } });
  expect(resumed.status()).toBe(206);
  expect(resumed.headers()["content-range"]).toBe(`bytes 10-${file.length - 1}/${file.length}`);
  expect((await resumed.body()).equals(file.subarray(10))).toBe(true);
  const tampered = await page.request.get(`${href.slice(0, -1)}${href.endsWith("A") ? "B" : "A"}`);
  expect(tampered.status()).toBe(404);
  expect(await tampered.text()).toContain("This download link is not valid. Open your order&#39;s download page again for a new link.");
  // Two files served so far: the page counts them.
  await page.reload();
  await expect(page.getByTestId("download-line")).toContainText("3 of 5 downloads left");

  // The shopper's order page stays open (its polling blocked: what changes is pushed)…
  await page.goto(orderUrl);
  await page.route("**/api/orders/*", (route) => route.abort());
  await expect(page.getByTestId("line-shipping")).toHaveCount(0);

  // …while the merchant, in a browser of their own, finds the order under "To ship" and ships the lamp.
  const merchantContext = await browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": "198.51.100.70" } });
  try {
    const merchant = await merchantContext.newPage();
    await signIn(merchant);
    await expect(merchant.getByRole("heading", { name: "Orders" })).toBeVisible();
    await merchant.getByRole("navigation", { name: "Filter by state" }).getByRole("link", { name: /^To ship \d+$/ }).click();
    await expect(merchant).toHaveURL(/fulfil=ship/);
    await merchant.getByRole("link", { name: `#${orderNumber}`, exact: true }).click();
    await expect(merchant.getByRole("heading", { level: 1 })).toHaveText(`Order #${orderNumber}`);

    // Only the physical line can be shipped; a bad tracking URL is refused next to its field, and what was typed stays.
    const form = merchant.getByRole("form", { name: "Mark shipped" });
    await expect(form.getByRole("checkbox")).toHaveCount(1);
    await expect(form.getByRole("checkbox", { name: "Aurora Desk Lamp × 1" })).toBeChecked();
    await form.getByLabel("Carrier").fill("DHL");
    await form.getByLabel("Tracking number").fill("JD014600001");
    await form.getByLabel("Tracking URL (optional)").fill("ftp://dhl.example/JD014600001");
    await form.getByRole("button", { name: "Mark shipped" }).click();
    await expect(form.getByTestId("ship-errors")).toContainText("Tracking URL (optional): The tracking URL must start with https:// or http://.");
    await expect(form.getByLabel("Tracking URL (optional)")).toHaveAccessibleDescription("The tracking URL must start with https:// or http://.");
    await expect(form.getByLabel("Carrier")).toHaveValue("DHL");
    await expect(form.getByLabel("Tracking number")).toHaveValue("JD014600001");

    await form.getByLabel("Tracking URL (optional)").fill("https://www.dhl.com/track?id=JD014600001");
    await form.getByRole("button", { name: "Mark shipped" }).click();
    const items = merchant.getByRole("region", { name: "Items" });
    await expect(items.getByTestId("line-shipping")).toHaveText("Shipped with DHL, tracking JD014600001");
    await expect(merchant.getByRole("form", { name: "Mark shipped" })).toHaveCount(0);
    await expect(merchant.getByTestId("timeline")).toContainText("Shipped with DHL, tracking JD014600001");
  } finally {
    await merchantContext.close();
  }

  // The shopper's page shows the parcel without a reload, its tracking number a link to the carrier.
  const shipping = page.getByTestId("line-shipping");
  await expect(shipping).toHaveText("Shipped with DHL, tracking JD014600001");
  const tracking = shipping.getByRole("link", { name: "JD014600001" });
  await expect(tracking).toHaveAttribute("href", "https://www.dhl.com/track?id=JD014600001");
  await expect(tracking).toHaveAttribute("rel", "noopener noreferrer");
  expect(page.url()).toBe(orderUrl);
});
