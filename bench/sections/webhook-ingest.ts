import type { Emulator } from "../../emulator/server";
import type { Db } from "../../lib/db";
import { syncPayment } from "../../lib/payments/sync";
import { signWebhookBody } from "../../lib/payram/webhook";
import type { BenchPlan } from "../args";
import { runLoad, type LoadResult } from "../load";
import { placeOrder } from "../shop";
import { API_KEY, type Stack } from "../stack";
import { inPool } from "../timing";

/**
 * 1. Webhook ingest: signed deliveries posted with autocannon at fixed concurrencies to
 * the standalone server, and the same deliveries to the bare node:http handler calling the same
 * `receiveWebhook` (the ceiling). The mix: one delivery in `changeEvery` is the first news of
 * a payment PayRam has filled since the shop last looked (a real change: the sync moves it to
 * FILLED and fulfils the order); the others are duplicates of payments already synced (half
 * of them paid, half partly paid). Each run gets its own fresh payments to change.
 */

export type IngestTarget = "next" | "bare";

export interface IngestRun {
  target: IngestTarget;
  connections: number;
  load: LoadResult;
  /** The shop's own verdicts for this run's deliveries (webhook_deliveries). */
  verdicts: Record<string, number>;
}

export interface IngestResult {
  mix: string;
  runs: IngestRun[];
}

interface Delivery {
  body: string;
  signature: string;
}

const PLACING_CONCURRENCY = 4;

export async function benchWebhookIngest(stack: Stack, plan: BenchPlan["webhook"]): Promise<IngestResult> {
  const { emulator, db } = stack;
  const targets: IngestTarget[] = ["next", "bare"];
  const changesPerRun = Math.ceil(plan.requests / plan.changeEvery);

  // Payments already in sync: paid, or partly paid, with nothing new at PayRam.
  const synced = await inPool(Array.from({ length: plan.syncedOrders }), PLACING_CONCURRENCY, async (_, index) => {
    const order = await placeOrder(stack.checkoutDeps);
    const amount = index % 2 === 0 ? order.amountUsd : "5.00";
    deposit(emulator, order.referenceId, amount);
    await syncPayment({ db, payram: stack.checkoutDeps.payram }, { referenceId: order.referenceId }, "poll");
    return order.referenceId;
  });
  // Each duplicate is a distinct delivery (as PayRam's progress deliveries are): the shop turns
  // away byte-identical copies past ten, which would measure that shortcut instead.
  const syncedDelivery = (i: number) => deliveryFor(emulator, synced[i % synced.length]!, i);

  const runs: IngestRun[] = [];
  for (const connections of plan.concurrencies) {
    for (const target of targets) {
      const server = target === "next" ? { url: stack.app.url, pid: stack.app.child.pid } : stack.bare;
      await postDeliveries(server, 10, plan.warmupRequests, syncedDelivery);

      // This run's real changes: payments PayRam has filled while the shop heard nothing (webhooks off).
      const changed = await inPool(Array.from({ length: changesPerRun }), PLACING_CONCURRENCY, async () => {
        const order = await placeOrder(stack.checkoutDeps);
        deposit(emulator, order.referenceId, order.amountUsd);
        return deliveryFor(emulator, order.referenceId);
      });
      const pick = (i: number) =>
        i % plan.changeEvery === 0 && changed[i / plan.changeEvery] ? changed[i / plan.changeEvery]! : syncedDelivery(i);

      const before = await lastDeliveryId(db);
      const load = await postDeliveries(server, connections, plan.requests, pick);
      runs.push({ target, connections, load, verdicts: await verdictsSince(db, before) });
    }
  }
  return {
    mix: `${plan.requests} signed POSTs per run: 1 in ${plan.changeEvery} the first news of a payment PayRam has just filled (accepted: FILLED + fulfilment), the rest duplicates of ${plan.syncedOrders} synced payments (half paid, half partly paid); ${plan.warmupRequests} duplicate warm-up POSTs before each run`,
    runs,
  };
}

function deposit(emulator: Emulator, referenceId: string, amountUsd: string): void {
  const result = emulator.deposit(referenceId, amountUsd);
  if (!result.ok) throw new Error(`the emulator refused a deposit on ${referenceId}: ${result.reason}`);
}

/** PayRam's webhook payload for the payment as it stands at the emulator, signed with the API key; `sequence` tells copies apart. */
function deliveryFor(emulator: Emulator, referenceId: string, sequence = 0): Delivery {
  const payment = emulator.payment(referenceId);
  if (!payment) throw new Error(`the emulator does not know ${referenceId}`);
  const body = JSON.stringify({
    reference_id: payment.referenceId,
    invoice_id: payment.invoiceId,
    customer_id: payment.customerId,
    customer_email: payment.customerEmail,
    status: payment.state,
    amount: payment.amountInUSD,
    currency: payment.currency,
    filled_amount_in_usd: payment.filledAmountInUSD,
    timestamp: Math.floor(Date.now() / 1000),
    confirmation_current: sequence,
    confirmation_required: sequence,
  });
  return { body, signature: signWebhookBody(Buffer.from(body), API_KEY) };
}

function postDeliveries(
  server: { url: string; pid: number | undefined },
  connections: number,
  amount: number,
  pick: (index: number) => Delivery,
): Promise<LoadResult> {
  return runLoad({
    url: server.url,
    serverPid: server.pid,
    connections,
    amount,
    method: "POST",
    headers: { "content-type": "application/json" },
    request: (index) => {
      const delivery = pick(index);
      return { path: "/api/webhook", body: delivery.body, headers: { "x-payram-signature": delivery.signature } };
    },
  });
}

async function lastDeliveryId(db: Db): Promise<number> {
  const row = await db.selectFrom("webhook_deliveries").select((eb) => eb.fn.max("id").as("id")).executeTakeFirst();
  return Number(row?.id ?? 0);
}

async function verdictsSince(db: Db, afterId: number): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom("webhook_deliveries")
    .select((eb) => ["verdict", eb.fn.countAll<number>().as("n")])
    .where("id", ">", afterId)
    .groupBy("verdict")
    .execute();
  return Object.fromEntries(rows.map((row) => [row.verdict, Number(row.n)]));
}
