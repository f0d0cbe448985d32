import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { DEV_DEFAULTS } from "../lib/config";
import { E2E_SERVER_LOG } from "../playwright.config";
import { E2E_API_KEY } from "./urls";

/** Runs after the whole suite: the server's log holds structured lines and no secret. */
test("the server's log of a full run has no API key, session secret, cookie or shopper email", () => {
  const text = readFileSync(E2E_SERVER_LOG, "utf8");
  const lines = text.split("\n").filter((line) => line.startsWith("{"));
  const entries = lines.map((line) => JSON.parse(line) as { event?: string; ms?: number });
  // PayRam calls and webhook verdicts are logged, with durations.
  expect(entries.some((e) => e.event === "payram_call" && typeof e.ms === "number")).toBe(true);
  expect(entries.some((e) => e.event === "webhook" && typeof e.ms === "number")).toBe(true);
  for (const secret of [E2E_API_KEY, DEV_DEFAULTS.SESSION_SECRET, "shop_admin=", "shop_cart="]) {
    expect(text.includes(secret), `the log contains ${secret}`).toBe(false);
  }
  expect(text.match(/[A-Za-z0-9._%+-]+@example\.com/g) ?? []).toEqual([]);
});
