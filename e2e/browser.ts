import { existsSync } from "node:fs";

/**
 * The browser the suites drive: CHROMIUM_PATH if set (empty = Playwright's own download), else
 * Debian's /usr/bin/chromium when present (Playwright cannot download browsers on these machines).
 */
export const chromiumPath =
  process.env.CHROMIUM_PATH !== undefined
    ? process.env.CHROMIUM_PATH || undefined
    : existsSync("/usr/bin/chromium")
      ? "/usr/bin/chromium"
      : undefined;

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
