import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { APP_URL } from "./urls";
import { signIn } from "./merchant";

/** Issue 29.5 and 29.8: what the server takes in a body, and from whom (proxy.ts, app/admin/api/uploads). */

test.use({ extraHTTPHeaders: { "x-forwarded-for": "198.51.100.77" } });

/** A real 1×1 PNG. */
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGMwTjsDAAI1AWaKkkQyAAAAAElFTkSuQmCC", "base64");

/** The id the run's build gave an action (the build playwright.config.ts made). */
function actionId(name: string): string {
  const manifest = JSON.parse(readFileSync(".next/server/server-reference-manifest.json", "utf8")) as { node: Record<string, { exportedName?: string }> };
  const id = Object.entries(manifest.node).find(([, entry]) => entry.exportedName === name)?.[0];
  if (!id) throw new Error(`no action ${name} in the build`);
  return id;
}

/** An empty call of an action as the browser makes it (text body: the arguments, encoded). */
const actionHeaders = (id: string) => ({ "Next-Action": id, Origin: APP_URL, "Content-Type": "text/plain;charset=UTF-8" });
const NO_ARGUMENTS = '[{},"$K1"]';

/** A page that holds the add-to-cart form (a product's page). */
const PRODUCT_PAGE = "/products/lofi-sound-pack";

test("an anonymous 5 MB post to an action page is refused with 413; a small one still reaches the action", async ({ request }) => {
  const id = actionId("addToCartAction");
  const big = await request.post(PRODUCT_PAGE, { headers: actionHeaders(id), data: Buffer.alloc(5 * 1024 * 1024, 1) });
  expect(big.status()).toBe(413);
  const small = await request.post(PRODUCT_PAGE, { headers: actionHeaders(id), data: NO_ARGUMENTS });
  expect(small.status()).toBe(200);
  expect(await small.text()).toContain("This product is not available.");
});

test("an action posted to a page that does not hold it is refused with 409, not forwarded", async ({ request }) => {
  const id = actionId("addToCartAction");
  for (const page of ["/", "/checkout", "/cart"]) {
    const answer = await request.post(page, { headers: actionHeaders(id), data: NO_ARGUMENTS });
    expect(answer.status(), page).toBe(409);
    expect(answer.headers()["x-nextjs-action-not-found"]).toBe("1");
  }
  // Its own page still runs it.
  expect((await request.post(PRODUCT_PAGE, { headers: actionHeaders(id), data: NO_ARGUMENTS })).status()).toBe(200);
});

test("uploads: 401 without a merchant session, 403 from another site; the merchant's file within its limit is stored; an oversize one gets the form's words", async ({ page, request }) => {
  const anonymous = await request.post("/admin/api/uploads?kind=image", { data: Buffer.alloc(5 * 1024 * 1024, 1), headers: { "Content-Type": "application/octet-stream" } });
  expect(anonymous.status()).toBe(401);

  await signIn(page);
  await expect(page.getByRole("heading", { name: "Orders" })).toBeVisible();

  const image = await page.request.post("/admin/api/uploads?kind=image", { data: PNG, headers: { "Content-Type": "image/png", "X-Upload-Name": "dot.png" } });
  expect(image.status()).toBe(200);
  expect((await image.json()) as unknown).toEqual({ ref: expect.stringMatching(/^[0-9a-f]{64}$/) });

  const download = await page.request.post("/admin/api/uploads?kind=download", { data: Buffer.from("%PDF-1.7 guide"), headers: { "X-Upload-Name": encodeURIComponent("Guide.pdf") } });
  expect(download.status()).toBe(200);
  expect((await download.json()) as unknown).toEqual({ ref: expect.stringMatching(/^[0-9a-f]{64}$/), name: "Guide.pdf" });

  const oversize = await page.request.post("/admin/api/uploads?kind=image", { data: Buffer.alloc(3 * 1024 * 1024, 1), headers: { "Content-Type": "image/png" } });
  expect(oversize.status()).toBe(413);
  expect((await oversize.json()) as unknown).toEqual({ error: "The image is larger than 2 MB. Choose a smaller one." });

  const notAnImage = await page.request.post("/admin/api/uploads?kind=image", { data: Buffer.from("<svg/>"), headers: { "Content-Type": "image/svg+xml" } });
  expect(notAnImage.status()).toBe(400);

  // Another site's page cannot post a file with the merchant's session, whatever the cookie does.
  const crossSite = await page.request.post("/admin/api/uploads?kind=image", { data: PNG, headers: { "Content-Type": "image/png", Origin: "http://evil.example" } });
  expect(crossSite.status()).toBe(403);
});
