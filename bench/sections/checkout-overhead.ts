import { summarize, type Summary } from "../percentiles";
import { placeOrder } from "../shop";
import { API_KEY, type Stack } from "../stack";
import { inPool } from "../timing";

/**
 * 3. Checkout overhead: `startCheckout` in-process (zod parse, cart, pricing, token check, the
 * order and its attempt, PayRam's create, the attempt's update, the cart cleared), minus
 * PayRam's own create time, measured with direct POSTs to the emulator (zero latency), the
 * same request the shop's client sends. The two alternate in blocks, so a noisy minute hits both.
 */

export interface CheckoutMode {
  concurrency: number;
  checkout: Summary;
  emulatorCreate: Summary;
}

export interface CheckoutResult {
  sequential: CheckoutMode;
  concurrent: CheckoutMode;
}

export async function benchCheckoutOverhead(stack: Stack, plan: { sequential: number; concurrent: number; concurrency: number }): Promise<CheckoutResult> {
  // Warm-up: the first checkouts load modules and prepare statements.
  await measure(stack, 10, 1);
  return {
    sequential: await measure(stack, plan.sequential, 1),
    concurrent: await measure(stack, plan.concurrent, plan.concurrency),
  };
}

let directCreates = 0;
/** Checkouts and direct creates alternate in blocks of this many runs (each block at the mode's concurrency). */
const BLOCK = 20;

async function measure(stack: Stack, runs: number, concurrency: number): Promise<CheckoutMode> {
  const checkout: number[] = [];
  const emulatorCreate: number[] = [];
  for (let done = 0; done < runs; done += BLOCK) {
    const block = Array.from({ length: Math.min(BLOCK, runs - done) });
    // Apart, not interleaved: the emulator shares this process's event loop, which a SQLite
    // checkout (synchronous calls) would hold while a create is being timed.
    checkout.push(...(await inPool(block, concurrency, async () => (await placeOrder(stack.checkoutDeps)).checkoutMs)));
    emulatorCreate.push(...(await inPool(block, concurrency, () => directCreate(stack.emulator.url))));
  }
  return { concurrency, checkout: summarize(checkout), emulatorCreate: summarize(emulatorCreate) };
}

/** One create at the emulator, as lib/payram/client.ts sends it (its own customer: it cancels no order's payment). */
async function directCreate(emulatorUrl: string): Promise<number> {
  const n = ++directCreates;
  const started = performance.now();
  const response = await fetch(`${emulatorUrl}/api/v1/payment`, {
    method: "POST",
    headers: { "API-Key": API_KEY, Accept: "application/json", "Content-Type": "application/json" },
    body: JSON.stringify({ customerEmail: "direct@example.com", customerID: `bench_direct_${n}`, invoiceID: `direct-${n}`, amountInUSD: 61.48 }),
    cache: "no-store",
  });
  const created = JSON.parse(await response.text()) as { reference_id?: string };
  const ms = performance.now() - started;
  if (!response.ok || !created.reference_id) throw new Error(`the emulator's create answered ${response.status}`);
  return ms;
}
