import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { E2E_SERVER_LOG } from "../playwright.config";
import { E2E_ADMIN_PASSWORD, E2E_API_KEY, E2E_METRICS_TOKEN, E2E_MONEY_TOTP_SECRET, E2E_SESSION_SECRET } from "./urls";

/** Runs after the whole suite: the server's log holds structured lines and no secret. */
test("the server's log of a full run has request ids and no API key, session secret, cookie or shopper email", () => {
  const text = readFileSync(E2E_SERVER_LOG, "utf8");
  const lines = text.split("\n").filter((line) => line.startsWith("{"));
  const entries = lines.map((line) => JSON.parse(line) as { event?: string; ms?: number; requestId?: string; msg?: string });
  // PayRam calls and webhook verdicts are logged, with durations.
  expect(entries.some((e) => e.event === "payram_call" && typeof e.ms === "number")).toBe(true);
  expect(entries.some((e) => e.event === "webhook" && typeof e.ms === "number")).toBe(true);
  // Lines written for a request carry its id: a delivery's verdict and the PayRam call it made
  // share one; every checkout line has one (the checkout runs in a server action).
  const webhookIds = new Set(entries.filter((e) => e.event === "webhook").map((e) => e.requestId));
  expect(webhookIds.has(undefined)).toBe(false);
  expect(entries.some((e) => e.event === "payram_call" && webhookIds.has(e.requestId))).toBe(true);
  const checkouts = entries.filter((e) => e.event === "checkout");
  expect(checkouts.length).toBeGreaterThan(0);
  expect(checkouts.filter((e) => typeof e.requestId !== "string")).toEqual([]);
  for (const secret of [E2E_API_KEY, E2E_SESSION_SECRET, E2E_ADMIN_PASSWORD, E2E_METRICS_TOKEN, E2E_MONEY_TOTP_SECRET, "shop_admin=", "shop_cart="]) {
    expect(text.includes(secret), `the log contains ${secret}`).toBe(false);
  }
  expect(text.match(/[A-Za-z0-9._%+-]+@example\.com/g) ?? []).toEqual([]);
  // Actions posted to the wrong page (e2e/bodies.spec.ts) are refused, not forwarded and crashed (issue 29.8).
  expect(text).not.toContain("uncaughtException");
  expect(text).not.toContain("failed to forward action response");
});
