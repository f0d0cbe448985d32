import { sourceAddressFor } from "../../emulator/identifiers";
import type { Db } from "../../lib/db";
import { signWebhookBody } from "../../lib/payram/webhook";
import type { BenchPlan } from "../args";
import { summarize, type Summary } from "../percentiles";
import { cpuMsOf } from "../process-cpu";
import { placeOrder } from "../shop";
import { API_KEY, type Stack } from "../stack";
import { inPool } from "../timing";

/**
 * 6. Confirmation storm: `payments` real payments (created through the emulator by the
 * checkout), each with a deposit confirming at the emulator (state OPEN, nothing filled yet,
 * its GET showing confirmations that rise about every 3 s), and PayRam's progress deliveries
 * for them: one signed POST per payment per second, open loop (sent on schedule whatever the
 * answers take), so `payments` deliveries per second in all, for `seconds`, to the standalone server.
 * Every delivery is distinct (its timestamp moves each second, its confirmations every ~3 s).
 * The sweep is off (SWEEP_INTERVAL_MS=0, as every bench server) and no status page is open.
 *
 * Figures: PayRam status calls per reference per second (the emulator's counters; the shop asks
 * about a reference at most once per 2 s, so ≤ 0.5), the deliveries' latency, and the
 * webhook_deliveries rows written per delivery (throttled copies share one row per reference
 * and claim). Reference: the shop without the throttle, one status call and one row per delivery.
 */

const STATUS_ENDPOINT = "GET /api/v1/payment/reference/:id";
const PLACING_CONCURRENCY = 4;
/** A delivery not answered by then counts as an error (PayRam itself waits 60 s). */
const DELIVERY_TIMEOUT_MS = 30_000;

export interface StormResult {
  payments: number;
  /** Deliveries per payment per second, as scheduled. */
  perPaymentPerSecond: number;
  confirmationEveryMs: number;
  confirmationsRequired: number;
  /** The storm's first seconds, not measured: the latency then shows how long a cold server takes to keep up. */
  warmupSeconds: number;
  warmupLatency: Summary;
  /** Deliveries sent after the warm-up; the achieved rate is deliveries over sendSeconds. */
  deliveries: number;
  sendSeconds: number;
  /** From the first measured delivery sent to the last one answered: the window the status calls are counted in. */
  seconds: number;
  latency: Summary;
  statusCodes: Record<string, number>;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  statusCalls: number;
  statusCallsPerReferencePerSecond: number;
  /** The busiest reference's status calls per second. */
  maxStatusCallsPerReferencePerSecond: number;
  rowsWritten: number;
  rowsPerDelivery: number;
  /** The new rows by verdict: rows, and the deliveries they stand for (throttled rows count copies). */
  verdicts: Record<string, { rows: number; deliveries: number }>;
  serverCpuMsPerDelivery: number | null;
}

interface StormPayment {
  referenceId: string;
  invoiceId: string;
  customerId: string;
  customerEmail: string;
  currency: string;
  /** When the confirming deposit arrived at the emulator (ms since the epoch). */
  depositAt: number;
  paymentInfo: { source_address: string; transaction_hash: string; destination_address: string; block_number: number }[];
}

export async function benchConfirmationStorm(stack: Stack, plan: BenchPlan["storm"]): Promise<StormResult> {
  const { emulator, db } = stack;
  const intervalMs = 1000 / plan.perPaymentPerSecond;
  // The deposits confirm well after the run (the state must stay OPEN throughout), and the
  // confirmations rise once per `confirmationEveryMs` in the emulator's GET as in the deliveries.
  const windowMs = (plan.warmupSeconds + plan.seconds + 120) * 1000;
  const required = Math.round(windowMs / plan.confirmationEveryMs);
  const saved = emulator.config();
  const set = emulator.setConfig({
    timeScale: 1,
    webhooks: { enabled: false },
    confirmations: { required, durationMs: windowMs, progressEveryMs: 0, progressWithoutPaymentInfoRate: 0 },
  });
  if (!set.ok) throw new Error(`emulator config: ${set.error}`);
  try {
    const orders = await inPool(Array.from({ length: plan.payments }), PLACING_CONCURRENCY, () => placeOrder(stack.checkoutDeps));

    // A first delivery per payment, before anything arrived: loads the route and syncs each
    // payment once, as the shop would have before the deposits.
    await inPool(orders, 10, async (order) => {
      const payment = emulator.payment(order.referenceId);
      if (!payment) throw new Error(`the emulator does not know ${order.referenceId}`);
      const body = JSON.stringify({
        reference_id: payment.referenceId,
        invoice_id: payment.invoiceId,
        customer_id: payment.customerId,
        customer_email: payment.customerEmail,
        status: "OPEN",
        filled_amount_in_usd: "0.00",
        timestamp: Math.floor(Date.now() / 1000),
        confirmation_current: 0,
        confirmation_required: required,
      });
      const answer = await post(stack.app.url, body);
      if (!answer.ok) throw new Error(`the warm-up delivery for ${order.referenceId} got ${answer.status}`);
    });

    // The shopper's full deposit arrives on each payment and starts confirming.
    const payments = orders.map((order): StormPayment => {
      const deposited = emulator.deposit(order.referenceId, order.amountUsd);
      if (!deposited.ok) throw new Error(`the emulator refused a deposit on ${order.referenceId}: ${deposited.reason}`);
      const view = deposited.payment;
      const confirming = view.confirming[0];
      if (view.state !== "OPEN" || !confirming) throw new Error(`${order.referenceId} is ${view.state}, not OPEN and confirming, after its deposit`);
      return {
        referenceId: view.referenceId,
        invoiceId: view.invoiceId,
        customerId: view.customerId,
        customerEmail: view.customerEmail,
        currency: view.currency,
        depositAt: Date.parse(confirming.at),
        paymentInfo: view.confirming.map((deposit, index) => ({
          source_address: sourceAddressFor(view.referenceId, index),
          transaction_hash: deposit.txHash,
          destination_address: view.depositAddress,
          block_number: deposit.blockNumber,
        })),
      };
    });

    /** PayRam's progress delivery for a payment, due at `dueAt` (ms since the epoch). */
    const progress = (payment: StormPayment, dueAt: number) => {
      // The emulator's own reading (emulator/payments.ts confirmationsOf): rising through the window.
      const elapsed = Math.max(0, Date.now() - payment.depositAt);
      const current = Math.min(required - 1, Math.floor((elapsed / windowMs) * required));
      return JSON.stringify({
        reference_id: payment.referenceId,
        invoice_id: payment.invoiceId,
        customer_id: payment.customerId,
        customer_email: payment.customerEmail,
        status: "OPEN",
        currency: payment.currency,
        filled_amount_in_usd: "0.00",
        // Scheduled one second apart per payment: each of its deliveries has its own timestamp.
        timestamp: Math.floor(dueAt / 1000),
        payment_info: payment.paymentInfo,
        confirmation_current: current,
        confirmation_required: required,
      });
    };

    const statusCallsNow = () => {
      const byReference = emulator.stats().byReference;
      return payments.map((payment) => byReference[payment.referenceId]?.[STATUS_ENDPOINT] ?? 0);
    };
    // Open loop: delivery k goes to payment k mod n, the payments spread evenly over each second.
    // The first `warmupSeconds` of the storm warm the server up (a cold server takes seconds
    // to keep up); the figures are the `seconds` after.
    const warmup = plan.payments * plan.warmupSeconds * plan.perPaymentPerSecond;
    const total = warmup + plan.payments * plan.seconds * plan.perPaymentPerSecond;
    const spacingMs = intervalMs / plan.payments;
    const latencies: number[] = [];
    const warmupLatencies: number[] = [];
    const statusCodes: Record<string, number> = {};
    let errors = 0;
    let lastAnsweredAt = 0;
    const inFlight: Promise<void>[] = [];
    let before: { rows: number; lastId: number; calls: number[]; cpu: number | null; at: number } | undefined;
    const started = performance.now();
    const epoch = Date.now();
    for (let k = 0; k < total; k++) {
      const dueMs = Math.floor(k / plan.payments) * intervalMs + (k % plan.payments) * spacingMs;
      if (k === warmup) {
        const [rows, lastId] = await Promise.all([rowCount(db), lastDeliveryId(db)]);
        before = { rows, lastId, calls: statusCallsNow(), cpu: cpuMsOf(stack.app.child.pid), at: performance.now() };
      }
      const wait = dueMs - (performance.now() - started);
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const body = progress(payments[k % plan.payments]!, epoch + dueMs);
      const measured = k >= warmup;
      inFlight.push(
        post(stack.app.url, body).then((answer) => {
          if (!measured) return void warmupLatencies.push(answer.ms);
          lastAnsweredAt = performance.now();
          if (answer.status === 0) errors++;
          else {
            statusCodes[answer.status] = (statusCodes[answer.status] ?? 0) + 1;
            latencies.push(answer.ms);
          }
        }),
      );
    }
    const sendSeconds = (performance.now() - before!.at) / 1000;
    await Promise.all(inFlight);
    const seconds = (lastAnsweredAt - before!.at) / 1000;
    const callsAfter = statusCallsNow();
    const cpuAfter = cpuMsOf(stack.app.child.pid);
    const deliveries = total - warmup;

    const calls = callsAfter.map((after, i) => after - before!.calls[i]!);
    const statusCalls = calls.reduce((sum, n) => sum + n, 0);
    const rowsWritten = (await rowCount(db)) - before!.rows;
    const non2xx = Object.entries(statusCodes).reduce((sum, [code, n]) => sum + (code.startsWith("2") ? 0 : n), 0);
    return {
      payments: plan.payments,
      perPaymentPerSecond: plan.perPaymentPerSecond,
      confirmationEveryMs: plan.confirmationEveryMs,
      confirmationsRequired: required,
      warmupSeconds: plan.warmupSeconds,
      warmupLatency: summarize(warmupLatencies),
      deliveries,
      sendSeconds,
      seconds,
      latency: summarize(latencies),
      statusCodes,
      non2xx,
      errors,
      statusCalls,
      statusCallsPerReferencePerSecond: statusCalls / plan.payments / seconds,
      maxStatusCallsPerReferencePerSecond: Math.max(...calls) / seconds,
      rowsWritten,
      rowsPerDelivery: rowsWritten / deliveries,
      verdicts: await verdictsSince(db, before!.lastId),
      serverCpuMsPerDelivery: before!.cpu === null || cpuAfter === null ? null : (cpuAfter - before!.cpu) / deliveries,
    };
  } finally {
    // Back as it was; the deposits still confirming would only confirm minutes later.
    emulator.setConfig({ timeScale: saved.timeScale, webhooks: { enabled: saved.webhooks.enabled }, confirmations: saved.confirmations });
  }
}

/** One signed delivery; status 0 when no answer came (connection error or timeout). */
async function post(url: string, body: string): Promise<{ ok: boolean; status: number; ms: number }> {
  const started = performance.now();
  try {
    const response = await fetch(`${url}/api/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-payram-signature": signWebhookBody(Buffer.from(body), API_KEY) },
      body,
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    return { ok: response.ok, status: response.status, ms: performance.now() - started };
  } catch {
    return { ok: false, status: 0, ms: performance.now() - started };
  }
}

async function rowCount(db: Db): Promise<number> {
  const row = await db.selectFrom("webhook_deliveries").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return Number(row.n);
}

async function lastDeliveryId(db: Db): Promise<number> {
  const row = await db.selectFrom("webhook_deliveries").select((eb) => eb.fn.max("id").as("id")).executeTakeFirst();
  return Number(row?.id ?? 0);
}

async function verdictsSince(db: Db, afterId: number): Promise<Record<string, { rows: number; deliveries: number }>> {
  const rows = await db
    .selectFrom("webhook_deliveries")
    .select((eb) => ["verdict", eb.fn.countAll<number>().as("rows"), eb.fn.sum<number>("copies").as("copies")])
    .where("id", ">", afterId)
    .groupBy("verdict")
    .execute();
  return Object.fromEntries(rows.map((row) => [row.verdict, { rows: Number(row.rows), deliveries: Number(row.copies) }]));
}
