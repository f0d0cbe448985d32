import type { Browser, Request } from "@playwright/test";
import { summarize, type Summary } from "../percentiles";
import { waitFor } from "../../scripts/chaos/processes";
import { placeOrder } from "../shop";
import type { Stack } from "../stack";

/**
 * 5. Time to "Paid" on screen, by push: the order's status page open in Chromium, its event
 * stream (`/api/orders/<id>/events`) answered, then a deposit of the full amount at the
 * emulator's control API; PayRam's signed webhook goes to instance A, the page is on instance B
 * (two standalone servers on one database: on Postgres, where instances share the news by
 * LISTEN/NOTIFY; SQLite runs one instance, so A = B). A MutationObserver in the page stamps
 * (Date.now()) the moment the paid marker `[data-testid=payment-state][data-paid=true]` enters
 * the DOM (React's commit; the paint follows within a frame).
 *
 * The clock starts at the payment's commit, taken as the timestamp the server writes in the
 * paying transaction (the view's `updatedAt`, read back from `GET /api/orders/<id>`): taken
 * before the commit, so the figure is an upper bound. Also reported: from the moment the
 * webhook's answer came back to the emulator (after the commit: a lower bound), from the
 * deposit (what the polling figures measured), and the deposit → webhook answered reference.
 * Polls (`GET /api/orders/<id>`) the page made between the deposit and "Paid" are counted:
 * with the stream live there should be none.
 *
 * Run i deposits at a fixed phase after the stream answered, spread evenly over one poll
 * interval (2 s): were the page still polling, the figure would show it.
 */

export interface PaidResult {
  runs: number;
  /** "push": this section since issue 18 (the polling figures before it had only onScreen and webhookAnswered). */
  mode?: "push";
  /** Where the webhook went and where the page was: the same instance on SQLite. */
  webhookInstance?: string;
  pageInstance?: string;
  /** Deposit → paid marker in the page. */
  onScreen: Summary;
  /** Paying transaction's timestamp (view.updatedAt) → paid marker: the figure the targets are about. */
  fromCommit?: Summary;
  /** Webhook answered (at the emulator) → paid marker. */
  fromWebhookAnswer?: Summary;
  webhookAnswered: Summary;
  /** Polls of the order the page made between the deposit and "Paid", over all runs. */
  pollsWhileWaiting?: number;
  /** Runs whose page had not opened its stream (fell back to polling). */
  runsWithoutStream?: number;
  /** Runs whose webhook the shop throttled (PayRam asked < 2 s before, e.g. by the page's stream): the payment was applied at the claim's end. */
  runsThrottled?: number;
}

/** The status page's poll interval while a payment is fresh (lib/swr/use-order-status.ts). */
const POLL_INTERVAL_MS = 2_000;
const PAID_SELECTOR = '[data-testid="payment-state"][data-paid="true"]';

/** Run i's delay after the stream answered: phases spread evenly over one poll interval. */
function depositPhaseMs(run: number, runs: number): number {
  return ((run + 0.5) / runs) * POLL_INTERVAL_MS;
}

declare global {
  interface Window {
    __benchPaidAt?: number;
  }
}

export async function benchTimeToPaid(stack: Stack, browser: Browser, runs: number): Promise<PaidResult> {
  const { emulator, app } = stack;
  // Postgres: the page on a second instance, so the news crosses instances.
  const pageApp = stack.kind === "postgres" ? await stack.startInstance(`next-${stack.kind}-b`) : app;
  const set = emulator.setConfig({ webhooks: { enabled: true, urls: [`${app.url}/api/webhook`], retryScheduleMs: [0, 100, 200] } });
  if (!set.ok) throw new Error(`emulator config: ${set.error}`);
  const context = await browser.newContext();
  const onScreen: number[] = [];
  const fromCommit: number[] = [];
  const fromWebhookAnswer: number[] = [];
  const webhookAnswered: number[] = [];
  let pollsWhileWaiting = 0;
  let runsWithoutStream = 0;
  let runsThrottled = 0;
  try {
    for (let run = 0; run < runs; run++) {
      const order = await placeOrder(stack.checkoutDeps);
      const page = await context.newPage();
      const statusPath = `/api/orders/${order.orderId}`;
      let waiting = false;
      const countPoll = (request: Request) => {
        if (waiting && new URL(request.url()).pathname === statusPath) pollsWhileWaiting++;
      };
      page.on("request", countPoll);
      try {
        // The stream's headers leave with its first message: once answered, the page is hydrated and live.
        const streamAnswered = page.waitForResponse((response) => new URL(response.url()).pathname === `${statusPath}/events`, { timeout: 15_000 }).catch(() => null);
        await page.goto(`${pageApp.url}/orders/${order.orderId}`);
        const stream = await streamAnswered;
        if (!stream || stream.status() !== 200) runsWithoutStream++;
        const state = page.getByTestId("payment-state");
        if ((await state.getAttribute("data-state")) !== "OPEN") throw new Error(`order ${order.orderId} is not OPEN on its page`);
        await page.evaluate((selector) => {
          window.__benchPaidAt = undefined;
          const observer = new MutationObserver(() => {
            if (window.__benchPaidAt === undefined && document.querySelector(selector)) {
              window.__benchPaidAt = Date.now();
              observer.disconnect();
            }
          });
          observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
        }, PAID_SELECTOR);
        await page.waitForTimeout(depositPhaseMs(run, runs));

        waiting = true;
        const wallStart = Date.now();
        const response = await fetch(`${emulator.url}/__emulator/payments/${order.referenceId}/deposit`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ amountInUSD: order.amountUsd }),
        });
        if (!response.ok) throw new Error(`the emulator refused the deposit: ${response.status} ${await response.text()}`);
        const paidAt = (await (await page.waitForFunction(() => window.__benchPaidAt, undefined, { polling: 10, timeout: 30_000 })).jsonValue()) as number;
        waiting = false;
        onScreen.push(paidAt - wallStart);

        // The page may have heard before the webhook's answer reached the emulator: wait for it.
        const answered = await waitFor(
          `the answered webhook for ${order.referenceId}`,
          () => emulator.deliveries().find((entry) => entry.referenceId === order.referenceId && entry.outcome === "delivered" && entry.responseStatus === 200),
          { timeoutMs: 30_000 },
        );
        const answeredAt = Date.parse(answered.at) + (answered.durationMs ?? 0);
        webhookAnswered.push(answeredAt - wallStart);
        fromWebhookAnswer.push(paidAt - answeredAt);
        const view = (await (await fetch(`${app.url}${statusPath}`)).json()) as { paid: boolean; updatedAt: string };
        if (!view.paid) throw new Error(`order ${order.orderId} is not paid in its view after "Paid" showed`);
        fromCommit.push(paidAt - Date.parse(view.updatedAt));
        const throttled = await stack.db.selectFrom("webhook_deliveries").select("id").where("reference_id", "=", order.referenceId).where("verdict", "=", "throttled").executeTakeFirst();
        if (throttled) runsThrottled++;
      } finally {
        page.off("request", countPoll);
        await page.close();
      }
    }
  } finally {
    await context.close();
    emulator.setConfig({ webhooks: { enabled: false } });
    if (pageApp !== app) await pageApp.stop();
  }
  return {
    runs,
    mode: "push",
    webhookInstance: pageApp === app ? "the one instance" : "instance A",
    pageInstance: pageApp === app ? "the one instance" : "instance B",
    onScreen: summarize(onScreen),
    fromCommit: summarize(fromCommit),
    fromWebhookAnswer: summarize(fromWebhookAnswer),
    webhookAnswered: summarize(webhookAnswered),
    pollsWhileWaiting,
    runsWithoutStream,
    runsThrottled,
  };
}
