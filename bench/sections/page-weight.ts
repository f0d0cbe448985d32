import { gzipSync } from "node:zlib";
import type { Browser } from "@playwright/test";
import { startBlankApp } from "../blank-app";
import { fillCart, placeOrder } from "../shop";
import type { Stack } from "../stack";

/**
 * 4. Page weight: the JavaScript a first visit loads, in Chromium: every script response until
 * the network is idle, each body gzipped here (level 9, as Next's old "First Load JS" did), so
 * the figure does not depend on the server's compression. The shop's `/`, `/checkout` (with a
 * cart) and `/orders/[id]` (an open order) next to a blank App Router page built the same way.
 */

export interface PageWeight {
  page: string;
  files: number;
  rawBytes: number;
  gzipBytes: number;
}

export interface WeightResult {
  pages: PageWeight[];
  blank: PageWeight;
  blankBuildSeconds: number;
}

const CART_COOKIE = "shop_cart";

export async function benchPageWeight(stack: Stack, browser: Browser, options: { verbose: boolean }): Promise<WeightResult> {
  const cartId = await fillCart(stack.db);
  const order = await placeOrder(stack.checkoutDeps);
  const pages = [
    await measurePage(browser, { label: "/", url: `${stack.app.url}/`, shows: "#catalog" }),
    await measurePage(browser, {
      label: "/checkout",
      url: `${stack.app.url}/checkout`,
      shows: '[data-testid="checkout-total"]',
      cookie: { name: CART_COOKIE, value: cartId },
    }),
    await measurePage(browser, { label: "/orders/[id]", url: `${stack.app.url}/orders/${order.orderId}`, shows: '[data-testid="payment-state"]' }),
  ];
  const blankApp = await startBlankApp(options);
  const blank = await measurePage(browser, { label: "blank App Router page", url: `${blankApp.url}/`, shows: "p" });
  return { pages, blank, blankBuildSeconds: blankApp.buildSeconds };
}

interface PageVisit {
  label: string;
  url: string;
  /** A selector the real page shows (so an error page is never what gets measured). */
  shows: string;
  cookie?: { name: string; value: string };
}

async function measurePage(browser: Browser, { label, url, shows, cookie }: PageVisit): Promise<PageWeight> {
  const context = await browser.newContext();
  try {
    if (cookie) await context.addCookies([{ ...cookie, url }]);
    const page = await context.newPage();
    const scripts = new Map<string, Promise<Buffer>>();
    page.on("response", (response) => {
      if (response.request().resourceType() === "script" && !scripts.has(response.url())) scripts.set(response.url(), response.body());
    });
    const answer = await page.goto(url, { waitUntil: "networkidle" });
    if (!answer?.ok()) throw new Error(`${url} answered ${answer?.status()}`);
    if ((await page.locator(shows).count()) === 0) throw new Error(`${url} does not show ${shows}`);
    const bodies = await Promise.all(scripts.values());
    return {
      page: label,
      files: bodies.length,
      rawBytes: bodies.reduce((sum, body) => sum + body.byteLength, 0),
      gzipBytes: bodies.reduce((sum, body) => sum + gzipSync(body, { level: 9 }).byteLength, 0),
    };
  } finally {
    await context.close();
  }
}
