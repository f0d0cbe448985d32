import { findBrowser } from "../scripts/browser";

/**
 * The browser the suites drive, found as `npm test` found it (scripts/browser.ts, which also
 * installs one): CHROMIUM_PATH, else a system Chromium, else Playwright's own download
 * (undefined: Playwright picks its executable itself).
 */
export const chromiumPath = findBrowser()?.path;

/** Quiet, sandbox-free headless Chromium: this machine's network is closed to everything else. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
