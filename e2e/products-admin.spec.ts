import { expect, test } from "@playwright/test";
import { IMAGE_MAX_BYTES, IMAGE_TOO_LARGE } from "../lib/rules/uploads";
import { signIn } from "./merchant";

test.use({ extraHTTPHeaders: { "x-forwarded-for": "198.51.100.50" } });

/** A real 1×1 PNG. */
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGMwTjsDAAI1AWaKkkQyAAAAAElFTkSuQmCC", "base64");

test("the merchant creates, edits and archives a product, and the shop follows at once", async ({ page, request }) => {
  await signIn(page);
  await expect(page.getByRole("heading", { name: "Orders" })).toBeVisible();

  await page.getByRole("navigation", { name: "Merchant" }).getByRole("link", { name: "Products" }).click();
  await expect(page.getByRole("heading", { name: "Products", exact: true })).toBeVisible();
  await page.getByRole("link", { name: "New product" }).click();

  // A refused form says why, next to the field, and keeps what was typed.
  await page.getByLabel("Name", { exact: true }).fill("Terrazzo Coaster");
  await page.getByLabel("Description").fill("A speckled terrazzo coaster, cast by hand.");
  await page.getByLabel("Price (USD)").fill("12.505");
  await page.getByLabel("Stock", { exact: true }).fill("3");
  await page.getByLabel("Image").setInputFiles({ name: "coaster.png", mimeType: "image/png", buffer: PNG });
  await page.getByRole("button", { name: "Create product" }).click();
  await expect(page.getByTestId("form-errors")).toContainText("Price (USD): The price cannot have fractions of a cent");
  await expect(page.getByLabel("Price (USD)")).toHaveAccessibleDescription(/The price cannot have fractions of a cent/);
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("Terrazzo Coaster");

  // A file over its limit, and one the upload route refuses, are field errors too, never a bare
  // error page, and what was typed stays (issue 29.10).
  await page.getByLabel("Price (USD)").fill("12.50");
  await page.getByLabel("Image").setInputFiles({ name: "huge.png", mimeType: "image/png", buffer: Buffer.concat([PNG, Buffer.alloc(IMAGE_MAX_BYTES)]) });
  await page.getByRole("button", { name: "Create product" }).click();
  await expect(page.getByLabel("Image")).toHaveAccessibleDescription(new RegExp(IMAGE_TOO_LARGE.replace(/\./g, "\\.")));
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("Terrazzo Coaster");
  await page.getByLabel("Image").setInputFiles({ name: "page.png", mimeType: "image/png", buffer: Buffer.from("<html><script>alert(1)</script></html>") });
  await page.getByRole("button", { name: "Create product" }).click();
  await expect(page.getByLabel("Image")).toHaveAccessibleDescription(/must be a PNG, JPEG or WebP file/);
  await expect(page.getByLabel("Description")).toHaveValue("A speckled terrazzo coaster, cast by hand.");

  await page.getByLabel("Image").setInputFiles({ name: "coaster.png", mimeType: "image/png", buffer: PNG });
  await page.getByRole("button", { name: "Create product" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Product created" })).toBeVisible();
  await expect(page.getByLabel("Slug")).toHaveValue("terrazzo-coaster");
  const editUrl = page.url();

  // The image is served from the database, named by its content, cached for good.
  const src = await page.getByTestId("current-image").getAttribute("src");
  expect(src).toMatch(/^\/media\/[0-9a-f]{64}\.png$/);
  const media = await request.get(src!);
  expect(media.status()).toBe(200);
  expect(media.headers()["content-type"]).toBe("image/png");
  expect(media.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
  expect(media.headers()["x-content-type-options"]).toBe("nosniff");
  expect(media.headers()["content-security-policy"]).toBe("default-src 'none'");
  expect(Buffer.compare(await media.body(), PNG)).toBe(0);
  expect((await request.get(`/media/${"0".repeat(64)}.png`)).status()).toBe(404);
  expect((await request.get("/media/not-an-image.svg")).status()).toBe(404);

  // The merchant's list.
  await page.goto("/admin/products?q=terrazzo");
  const row = page.getByTestId("product-row");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("terrazzo-coaster");
  await expect(row).toContainText("$12.50");
  await expect(row).toContainText("Physical");
  await expect(row).toContainText("Active");
  await expect(row.getByRole("cell").nth(4)).toHaveText("3");

  // The shop shows it at once, with its image (which the page's CSP lets load).
  await page.goto("/");
  await expect(page.getByRole("link", { name: "Terrazzo Coaster" })).toBeVisible();
  const cardImage = page.locator(`img[src="${src}"]`);
  await expect.poll(() => cardImage.first().evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1);
  await page.getByRole("link", { name: "Terrazzo Coaster" }).click();
  await expect(page).toHaveURL(/\/products\/terrazzo-coaster$/);
  await expect(page.getByRole("heading", { name: "Terrazzo Coaster" })).toBeVisible();
  await expect(page.getByText("$12.50")).toBeVisible();
  await expect(page.getByTestId("stock-left")).toHaveText("Only 3 left");
  const productImage = page.getByRole("img", { name: "Terrazzo Coaster" });
  await expect(productImage).toHaveAttribute("src", src!);
  await expect.poll(() => productImage.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1);

  // A new price and slug; the old link leads to the new one.
  await page.goto(editUrl);
  await page.getByLabel("Price (USD)").fill("14.00");
  await page.getByLabel("Slug").fill("terrazzo-coaster-set");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved" })).toBeVisible();
  await page.goto("/products/terrazzo-coaster");
  await expect(page).toHaveURL(/\/products\/terrazzo-coaster-set$/);
  await expect(page.getByText("$14.00")).toBeVisible();

  // Archived: it leaves the shop (its page and the old link too).
  await page.goto(editUrl);
  await page.getByRole("button", { name: "Archive Terrazzo Coaster" }).click();
  await expect(page.getByTestId("product-status")).toHaveText("Archived (not sold)");
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 }).first()).toBeVisible();
  await expect(page.getByRole("link", { name: "Terrazzo Coaster" })).toHaveCount(0);
  expect((await page.goto("/products/terrazzo-coaster-set"))?.status()).toBe(404);
  expect((await page.goto("/products/terrazzo-coaster"))?.status()).toBe(404);
});
