import type { Browser } from "@playwright/test";
import { summarize, type Summary } from "../percentiles";
import { waitFor } from "../../scripts/chaos/processes";
import { placeOrder } from "../shop";
import type { Stack } from "../stack";

/**
 * 5. Time to "Paid" on screen: the order's status page open in Chromium (hydrated, polling),
 * a deposit of the full amount at the emulator's control API, then the clock stops when the
 * page shows `data-state="FILLED"` and "Paid — thank you!". Reference, from the same runs: the
 * deposit until the shop answered PayRam's webhook (the order is paid in the database); the
 * rest is the page waiting for its next poll (every 2 s while a payment is fresh).
 *
 * A shopper's payment lands at any moment between two polls: run i deposits at a fixed phase
 * after the page's first poll, the phases spread evenly over one poll interval, so the figure
 * is the average case and replays exactly.
 */

export interface PaidResult {
  runs: number;
  onScreen: Summary;
  webhookAnswered: Summary;
}

const PAID_TEXT = "Paid — thank you!";
/** The status page's poll interval while a payment is fresh (lib/swr/use-order-status.ts). */
const POLL_INTERVAL_MS = 2_000;

/** Run i's delay after the first poll: phases spread evenly over one interval. */
function depositPhaseMs(run: number, runs: number): number {
  return ((run + 0.5) / runs) * POLL_INTERVAL_MS;
}

export async function benchTimeToPaid(stack: Stack, browser: Browser, runs: number): Promise<PaidResult> {
  const { emulator, app } = stack;
  const set = emulator.setConfig({ webhooks: { enabled: true, urls: [`${app.url}/api/webhook`], retryScheduleMs: [0, 100, 200] } });
  if (!set.ok) throw new Error(`emulator config: ${set.error}`);
  const context = await browser.newContext();
  const onScreen: number[] = [];
  const webhookAnswered: number[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      const order = await placeOrder(stack.checkoutDeps);
      const page = await context.newPage();
      try {
        // The island's first poll (SWR revalidates on mount) says the page is hydrated and polling.
        const firstPoll = page.waitForResponse((response) => response.url().endsWith(`/api/orders/${order.orderId}`));
        await page.goto(`${app.url}/orders/${order.orderId}`);
        await firstPoll;
        const state = page.getByTestId("payment-state");
        if ((await state.getAttribute("data-state")) !== "OPEN") throw new Error(`order ${order.orderId} is not OPEN on its page`);
        await page.waitForTimeout(depositPhaseMs(run, runs));

        const wallStart = Date.now();
        const start = performance.now();
        const response = await fetch(`${emulator.url}/__emulator/payments/${order.referenceId}/deposit`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ amountInUSD: order.amountUsd }),
        });
        if (!response.ok) throw new Error(`the emulator refused the deposit: ${response.status} ${await response.text()}`);
        await page.waitForFunction(
          (text) => {
            const element = document.querySelector('[data-testid="payment-state"]');
            return element?.getAttribute("data-state") === "FILLED" && element.textContent?.includes(text);
          },
          PAID_TEXT,
          { polling: "raf", timeout: 30_000 },
        );
        onScreen.push(performance.now() - start);

        // The page may have polled PayRam before the webhook was answered: wait for its answer.
        const answered = await waitFor(
          `the answered webhook for ${order.referenceId}`,
          () => emulator.deliveries().find((entry) => entry.referenceId === order.referenceId && entry.outcome === "delivered" && entry.responseStatus === 200),
          { timeoutMs: 30_000 },
        );
        webhookAnswered.push(Date.parse(answered.at) + (answered.durationMs ?? 0) - wallStart);
      } finally {
        await page.close();
      }
    }
  } finally {
    await context.close();
    emulator.setConfig({ webhooks: { enabled: false } });
  }
  return { runs, onScreen: summarize(onScreen), webhookAnswered: summarize(webhookAnswered) };
}
