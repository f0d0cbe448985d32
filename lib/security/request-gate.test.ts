import { describe, expect, it } from "vitest";
import { ACTION_BODY_MAX_BYTES, bodyRefusal, crossSiteRefusal, pageOwnsAction, workerPathPattern, type ActionManifest } from "./request-gate";

describe("bodyRefusal", () => {
  it("refuses a declared body over 1 MB with 413, before reading it", () => {
    expect(bodyRefusal("POST", String(5 * 1024 * 1024))).toEqual({ status: 413, error: expect.any(String) });
    expect(bodyRefusal("POST", String(ACTION_BODY_MAX_BYTES + 1))?.status).toBe(413);
  });
  it("lets a body within the limit, a GET and a body without a length through", () => {
    expect(bodyRefusal("POST", String(ACTION_BODY_MAX_BYTES))).toBeNull();
    expect(bodyRefusal("POST", "0")).toBeNull();
    expect(bodyRefusal("GET", String(10 * ACTION_BODY_MAX_BYTES))).toBeNull();
    expect(bodyRefusal("POST", null)).toBeNull();
  });
  it("refuses a chunked body (no declared length) with 411", () => {
    expect(bodyRefusal("POST", null, undefined, "chunked")?.status).toBe(411);
    expect(bodyRefusal("GET", null, undefined, "chunked")).toBeNull();
  });
  it("refuses a Content-Length that is not a number", () => {
    expect(bodyRefusal("POST", "12, 13")?.status).toBe(400);
    expect(bodyRefusal("POST", "-1")?.status).toBe(400);
  });
});

describe("pageOwnsAction", () => {
  // The shape of .next/server/server-reference-manifest.json (ids shortened).
  const manifest: ActionManifest = {
    node: {
      addToCart: { workers: { "app/(shop)/products/[slug]/page": {}, "app/(shop)/cart/page": {} } },
      checkout: { workers: { "app/(shop)/checkout/page": {} } },
      signOut: { workers: { "app/admin/(area)/page": {}, "app/admin/(area)/orders/[orderId]/page": {} } },
      home: { workers: { "app/(shop)/page": {} } },
      all: { workers: { "app/docs/[[...path]]/page": {}, "app/files/[...path]/page": {} } },
    },
  };

  it("accepts an action on a page that holds it", () => {
    expect(pageOwnsAction(manifest, "addToCart", "/cart")).toBe(true);
    expect(pageOwnsAction(manifest, "addToCart", "/products/terrazzo-coaster")).toBe(true);
    expect(pageOwnsAction(manifest, "checkout", "/checkout")).toBe(true);
    expect(pageOwnsAction(manifest, "signOut", "/admin")).toBe(true);
    expect(pageOwnsAction(manifest, "signOut", "/admin/orders/abc")).toBe(true);
    expect(pageOwnsAction(manifest, "home", "/")).toBe(true);
    expect(pageOwnsAction(manifest, "all", "/docs")).toBe(true);
    expect(pageOwnsAction(manifest, "all", "/docs/a/b")).toBe(true);
    expect(pageOwnsAction(manifest, "all", "/files/a/b")).toBe(true);
  });

  it("refuses an action posted to a page that does not hold it, or an unknown action", () => {
    expect(pageOwnsAction(manifest, "addToCart", "/")).toBe(false);
    expect(pageOwnsAction(manifest, "addToCart", "/products")).toBe(false);
    expect(pageOwnsAction(manifest, "addToCart", "/products/a/b")).toBe(false);
    expect(pageOwnsAction(manifest, "checkout", "/cart")).toBe(false);
    expect(pageOwnsAction(manifest, "all", "/files")).toBe(false);
    expect(pageOwnsAction(manifest, "nope", "/cart")).toBe(false);
    expect(pageOwnsAction(manifest, "__proto__", "/cart")).toBe(false);
    expect(pageOwnsAction(manifest, "toString", "/")).toBe(false);
  });

  it("reads route groups and dynamic segments", () => {
    expect(workerPathPattern("app/(shop)/orders/[orderId]/refund-address/page").test("/orders/x1/refund-address")).toBe(true);
    expect(workerPathPattern("app/(shop)/page").test("/")).toBe(true);
    expect(workerPathPattern("app/a.b/page").test("/axb")).toBe(false);
  });
});

describe("crossSiteRefusal", () => {
  const headers = (entries: Record<string, string>) => new Headers({ host: "shop.example", ...entries });
  it("lets the shop's own pages through, and clients that are no browser", () => {
    expect(crossSiteRefusal(headers({ origin: "https://shop.example", "sec-fetch-site": "same-origin" }))).toBeNull();
    expect(crossSiteRefusal(headers({}))).toBeNull();
    expect(crossSiteRefusal(new Headers({ host: "internal:3000", "x-forwarded-host": "shop.example", origin: "https://shop.example" }))).toBeNull();
  });
  it("refuses a browser's request from another site, by its Origin or by Sec-Fetch-Site", () => {
    expect(crossSiteRefusal(headers({ origin: "https://evil.example" }))).toMatchObject({ status: 403 });
    expect(crossSiteRefusal(headers({ origin: "https://shop.example.evil.example" }))).toMatchObject({ status: 403 });
    expect(crossSiteRefusal(headers({ origin: "null" }))).toMatchObject({ status: 403 });
    expect(crossSiteRefusal(headers({ "sec-fetch-site": "cross-site" }))).toMatchObject({ status: 403 });
    expect(crossSiteRefusal(headers({ "sec-fetch-site": "same-site", origin: "https://shop.example" }))).toMatchObject({ status: 403 });
  });
});
