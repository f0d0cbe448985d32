import type { BenchPlan } from "../args";
import { runLoad, type LoadResult } from "../load";
import { placeOrder } from "../shop";
import type { Stack } from "../stack";
import { inPool } from "../timing";

/**
 * 2. Status polling: `pollers` connections polling `GET /api/orders/<id>` on `orders` open
 * orders for `seconds` against the standalone server. The shop asks PayRam at most once per order per
 * 2 s however many tabs poll; the emulator counts the status calls it gets per reference.
 * Reference: `GET /api/health` (liveness: no database call since issue 32; it was one `select 1`) on the same server at the same concurrency.
 */

const STATUS_ENDPOINT = "GET /api/v1/payment/reference/:id";
const PLACING_CONCURRENCY = 4;

export interface PollingResult {
  orders: number;
  load: LoadResult;
  /** PayRam status calls for the polled orders during the run. */
  statusCalls: number;
  statusCallsPerOrderPerSecond: number;
  health: LoadResult;
}

export async function benchStatusPolling(stack: Stack, plan: BenchPlan["polling"]): Promise<PollingResult> {
  const orders = await inPool(Array.from({ length: plan.orders }), PLACING_CONCURRENCY, () => placeOrder(stack.checkoutDeps));
  const paths = orders.map((order) => `/api/orders/${order.orderId}`);

  // Warm-up: every order once (first requests also load the route's modules).
  await runLoad({ url: stack.app.url, connections: 10, amount: plan.orders, request: (i) => ({ path: paths[i % paths.length]! }) });

  const callsNow = () => {
    const byReference = stack.emulator.stats().byReference;
    return orders.reduce((sum, order) => sum + (byReference[order.referenceId]?.[STATUS_ENDPOINT] ?? 0), 0);
  };
  const before = callsNow();
  const serverPid = stack.app.child.pid;
  const load = await runLoad({ url: stack.app.url, serverPid, connections: plan.pollers, seconds: plan.seconds, request: (i) => ({ path: paths[i % paths.length]! }) });
  const statusCalls = callsNow() - before;

  const health = await runLoad({ url: stack.app.url, serverPid, connections: plan.pollers, seconds: plan.referenceSeconds, request: () => ({ path: "/api/health" }) });
  return {
    orders: plan.orders,
    load,
    statusCalls,
    statusCallsPerOrderPerSecond: statusCalls / plan.orders / load.seconds,
    health,
  };
}
