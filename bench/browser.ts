import { chromium, type Browser } from "@playwright/test";
import { CHROMIUM_ARGS, chromiumPath } from "../e2e/browser";
import { defer } from "../scripts/chaos/cleanup";

/** Headless Chromium as the end-to-end suite drives it (CHROMIUM_PATH, else /usr/bin/chromium; the same flags). */
export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
  defer("close Chromium", () => browser.close());
  return browser;
}
