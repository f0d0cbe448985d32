import http from "node:http";
import type { BenchPlan } from "../args";
import { summarize, type Summary } from "../percentiles";
import { cpuMsOf } from "../process-cpu";
import { openFilesLimit, treeRssBytes } from "../process-memory";
import { placeOrder, type PlacedOrder } from "../shop";
import type { Stack } from "../stack";
import { inPool } from "../timing";
import { waitFor } from "../../scripts/chaos/processes";

/**
 * 8. Live status streams at scale: one standalone server (TRUSTED_PROXY_COUNT=1, so each client is
 * known by its X-Forwarded-For) holds `orders × perOrder` event streams (`GET
 * /api/orders/<id>/events`), opened by node:http from this process, one address per order (its
 * `perOrder` tabs share it; the bound is 20 per address). First one stream per order, held
 * `holdSeconds`, then the other tabs, held as long: the PayRam status calls in each window show
 * whether they grow with the watchers (the shop syncs a watched order every 5 s per order, not
 * per watcher). Memory: the server's RSS (its process tree) before the first stream and after the
 * last, over the streams. Then `changed` orders are paid at once (a full deposit each at the
 * emulator, whose signed webhook the server answers): fan-out latency per stream, from the
 * paying transaction's own timestamp (the view's `updatedAt`, stamped by the server before its
 * commit, so an upper bound) to the paid view arriving on the stream; also from the burst's
 * start. Every error counts: a refused stream, a dropped socket, a stream of an unchanged order
 * that ended, a changed order's stream that never saw "paid".
 */

const STATUS_ENDPOINT = "GET /api/v1/payment/reference/:id";
const PLACING_CONCURRENCY = 8;
const OPENING_CONCURRENCY = 100;
const OPEN_TIMEOUT_MS = 30_000;
const FANOUT_TIMEOUT_MS = 20_000;

export interface WatchWindow {
  streams: number;
  seconds: number;
  statusCalls: number;
  statusCallsPerOrderPerSecond: number;
  /** The server's CPU while it only holds the streams (heartbeats, the 5 s syncs). */
  serverCpuPercent: number | null;
}

export interface LiveStreamsResult {
  orders: number;
  perOrder: number;
  streams: number;
  addresses: number;
  openFilesLimit: number | null;
  /** Request sent → first view received, every stream. */
  openLatency: Summary;
  openSeconds: number;
  errors: number;
  errorKinds: Record<string, number>;
  rssBeforeBytes: number | null;
  rssOneWatcherBytes: number | null;
  rssAfterBytes: number | null;
  /** Two seconds after every stream was closed: what stays is the heap's growth, not the streams. */
  rssAfterCloseBytes: number | null;
  /** (after − before) / streams: the watch per order and each stream. */
  rssPerStreamBytes: number | null;
  /** The extra tabs only (perOrder − 1 per order, on orders already watched). */
  rssPerExtraStreamBytes: number | null;
  oneWatcher: WatchWindow;
  allWatchers: WatchWindow;
  fanout: {
    orders: number;
    streams: number;
    received: number;
    /** The paying transaction's timestamp (view.updatedAt) → the paid view on the stream. */
    fromCommit: Summary;
    /** The first deposit of the burst → the paid view on the stream. */
    fromBurst: Summary;
    /** The emulator's webhook answered (after the commit) → the paid view; negative when the push came first. */
    fromWebhookAnswer: Summary;
    webhooksAnswered: number;
    /** Of the changed orders' webhooks, those the shop throttled (PayRam asked < 2 s before) and applied at the claim's end. */
    webhooksThrottled: number;
    statusCallsChanged: number;
    seconds: number;
  };
  /** Streams of unchanged orders still open at the end (should be all of them). */
  stillOpen: number;
}

interface ClientStream {
  orderIndex: number;
  request: http.ClientRequest | null;
  sentAt: number;
  firstAt: number | null;
  ended: boolean;
  error: string | null;
  paidAt: number | null;
  paidView: { updatedAt: string } | null;
  messages: number;
}

const wallNow = () => performance.timeOrigin + performance.now();

/** One order's address: 10.x.y.z, distinct per order. */
const addressOf = (index: number) => `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${(index & 255) + 1}`;

function openStream(url: string, orderId: string, orderIndex: number, onError: (kind: string) => void): { stream: ClientStream; first: Promise<void> } {
  const stream: ClientStream = { orderIndex, request: null, sentAt: performance.now(), firstAt: null, ended: false, error: null, paidAt: null, paidView: null, messages: 0 };
  let resolveFirst!: () => void;
  const first = new Promise<void>((resolve) => (resolveFirst = resolve));
  const fail = (kind: string) => {
    if (stream.error || stream.ended) return;
    stream.error = kind;
    onError(kind);
    resolveFirst();
  };
  const request = http.get(
    `${url}/api/orders/${orderId}/events`,
    { agent: false, headers: { Accept: "text/event-stream", "X-Forwarded-For": addressOf(orderIndex) } },
    (response) => {
      if (response.statusCode !== 200) {
        fail(`HTTP ${response.statusCode}`);
        response.resume();
        return;
      }
      response.setEncoding("utf8");
      let buffer = "";
      response.on("data", (chunk: string) => {
        const at = wallNow();
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf("\n\n")) !== -1) {
          const event = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = event
            .split("\n")
            .filter((line) => line.startsWith("data: "))
            .map((line) => line.slice(6))
            .join("\n");
          if (!data) continue;
          stream.messages++;
          const view = JSON.parse(data) as { paid: boolean; updatedAt: string };
          if (stream.firstAt === null) {
            stream.firstAt = performance.now();
            resolveFirst();
          }
          if (view.paid && stream.paidAt === null) {
            stream.paidAt = at;
            stream.paidView = view;
          }
        }
      });
      response.on("end", () => {
        stream.ended = true;
        resolveFirst();
      });
      response.on("error", () => fail("response error"));
    },
  );
  request.on("error", (error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
  request.setTimeout(0);
  stream.request = request;
  return { stream, first };
}

export async function benchLiveStreams(stack: Stack, plan: BenchPlan["streams"]): Promise<LiveStreamsResult> {
  const { emulator } = stack;
  const total = plan.orders * plan.perOrder;
  const limit = openFilesLimit();
  // This process holds every client socket (plus the emulator's); the server, as many again.
  if (limit !== null && limit < total + 1_000) throw new Error(`ulimit -n is ${limit}: ${total} streams need at least ${total + 1_000} (raise it with ulimit -n before npm run bench)`);

  const app = await stack.startInstance(`next-streams-${stack.kind}`, { TRUSTED_PROXY_COUNT: "1" });
  const pid = app.child.pid;
  const streams: ClientStream[] = [];
  const errorKinds: Record<string, number> = {};
  const onError = (kind: string) => (errorKinds[kind] = (errorKinds[kind] ?? 0) + 1);
  try {
    const orders: PlacedOrder[] = await inPool(Array.from({ length: plan.orders }), PLACING_CONCURRENCY, () => placeOrder(stack.checkoutDeps));
    const callsNow = (subset: readonly PlacedOrder[] = orders) => {
      const byReference = emulator.stats().byReference;
      return subset.reduce((sum, order) => sum + (byReference[order.referenceId]?.[STATUS_ENDPOINT] ?? 0), 0);
    };

    // Warm-up: the route's modules load on its first request; a stream on an extra order, then closed.
    const spare = await placeOrder(stack.checkoutDeps);
    const warm = openStream(app.url, spare.orderId, plan.orders + 1, () => {});
    await warm.first;
    warm.stream.request?.destroy();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const rssBefore = treeRssBytes(pid);

    const open = async (indexes: number[]) => {
      await inPool(indexes, OPENING_CONCURRENCY, async (orderIndex) => {
        const { stream, first } = openStream(app.url, orders[orderIndex]!.orderId, orderIndex, onError);
        streams.push(stream);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([first, new Promise((resolve) => (timer = setTimeout(resolve, OPEN_TIMEOUT_MS)))]);
        clearTimeout(timer);
        if (stream.firstAt === null && !stream.error) {
          stream.error = "no first view";
          onError(stream.error);
        }
      });
    };
    const hold = async (): Promise<WatchWindow> => {
      const calls = callsNow();
      const cpu = cpuMsOf(pid);
      const started = performance.now();
      await new Promise((resolve) => setTimeout(resolve, plan.holdSeconds * 1_000));
      const seconds = (performance.now() - started) / 1000;
      const cpuAfter = cpuMsOf(pid);
      const statusCalls = callsNow() - calls;
      const live = streams.filter((stream) => !stream.ended && !stream.error).length;
      return {
        streams: live,
        seconds,
        statusCalls,
        statusCallsPerOrderPerSecond: statusCalls / plan.orders / seconds,
        serverCpuPercent: cpu === null || cpuAfter === null ? null : ((cpuAfter - cpu) / (seconds * 1000)) * 100,
      };
    };

    const openStarted = performance.now();
    await open(orders.map((_, index) => index));
    const oneWatcher = await hold();
    const rssOne = treeRssBytes(pid);
    const extra: number[] = [];
    for (let tab = 1; tab < plan.perOrder; tab++) for (let index = 0; index < plan.orders; index++) extra.push(index);
    await open(extra);
    const openSeconds = (performance.now() - openStarted) / 1000 - oneWatcher.seconds;
    const allWatchers = await hold();
    const rssAfter = treeRssBytes(pid);

    // The fan-out: `changed` orders paid at once, each by PayRam's own signed webhook to this server.
    const changed = orders.slice(0, plan.changed);
    const changedIndexes = new Set(changed.map((_, index) => index));
    const set = emulator.setConfig({ webhooks: { enabled: true, urls: [`${app.url}/api/webhook`], retryScheduleMs: [0, 100, 200] } });
    if (!set.ok) throw new Error(`emulator config: ${set.error}`);
    const changedCalls = callsNow(changed);
    const firstDelivery = emulator.deliveries().length;
    const burstAt = wallNow();
    const burstStarted = performance.now();
    for (const order of changed) {
      const deposited = emulator.deposit(order.referenceId, order.amountUsd);
      if (!deposited.ok) throw new Error(`the emulator refused a deposit on ${order.referenceId}: ${deposited.reason}`);
    }
    const watching = streams.filter((stream) => changedIndexes.has(stream.orderIndex) && !stream.error);
    await waitFor("every stream of the changed orders to receive its paid view", () => watching.every((stream) => stream.paidAt !== null || stream.error !== null) || null, {
      timeoutMs: FANOUT_TIMEOUT_MS,
      intervalMs: 20,
    }).catch(() => undefined);
    const fanoutSeconds = (performance.now() - burstStarted) / 1000;
    const received = watching.filter((stream) => stream.paidAt !== null);
    for (const stream of watching) if (stream.paidAt === null && !stream.error) onError("no paid view after the change");
    const answeredAt = new Map<string, number>();
    for (const entry of emulator.deliveries().slice(firstDelivery)) {
      if (entry.referenceId && entry.outcome === "delivered" && entry.responseStatus === 200 && !answeredAt.has(entry.referenceId)) {
        answeredAt.set(entry.referenceId, Date.parse(entry.at) + (entry.durationMs ?? 0));
      }
    }
    const statusCallsChanged = callsNow(changed) - changedCalls;
    emulator.setConfig({ webhooks: { enabled: false } });
    const throttledRows = await stack.db
      .selectFrom("webhook_deliveries")
      .select("reference_id")
      .distinct()
      .where("verdict", "=", "throttled")
      .where(
        "reference_id",
        "in",
        changed.map((order) => order.referenceId),
      )
      .execute();

    // Every stream of an unchanged order must still be open.
    const unchanged = streams.filter((stream) => !changedIndexes.has(stream.orderIndex));
    for (const stream of unchanged) if (stream.ended && !stream.error) onError("stream of an unchanged order ended");
    const stillOpen = unchanged.filter((stream) => !stream.ended && !stream.error).length;

    // Closed by the bench from here on: what the sockets say now is not an error.
    for (const stream of streams) {
      stream.ended = true;
      stream.request?.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const rssAfterClose = treeRssBytes(pid);

    const errors = Object.values(errorKinds).reduce((sum, n) => sum + n, 0);
    const delta = (a: number | null, b: number | null, n: number) => (a === null || b === null ? null : (b - a) / n);
    return {
      orders: plan.orders,
      perOrder: plan.perOrder,
      streams: streams.length,
      addresses: plan.orders,
      openFilesLimit: limit === Number.POSITIVE_INFINITY ? null : limit,
      openLatency: summarize(streams.filter((stream) => stream.firstAt !== null).map((stream) => stream.firstAt! - stream.sentAt)),
      openSeconds,
      errors,
      errorKinds,
      rssBeforeBytes: rssBefore,
      rssOneWatcherBytes: rssOne,
      rssAfterBytes: rssAfter,
      rssAfterCloseBytes: rssAfterClose,
      rssPerStreamBytes: delta(rssBefore, rssAfter, total),
      rssPerExtraStreamBytes: delta(rssOne, rssAfter, total - plan.orders),
      oneWatcher,
      allWatchers,
      fanout: {
        orders: changed.length,
        streams: watching.length,
        received: received.length,
        fromCommit: summarize(received.map((stream) => stream.paidAt! - Date.parse(stream.paidView!.updatedAt))),
        fromBurst: summarize(received.map((stream) => stream.paidAt! - burstAt)),
        fromWebhookAnswer: summarize(
          received.flatMap((stream) => {
            const at = answeredAt.get(changed[stream.orderIndex]!.referenceId);
            return at === undefined ? [] : [stream.paidAt! - at];
          }),
        ),
        webhooksAnswered: answeredAt.size,
        webhooksThrottled: throttledRows.length,
        statusCallsChanged,
        seconds: fanoutSeconds,
      },
      stillOpen,
    };
  } finally {
    for (const stream of streams) {
      stream.ended = true;
      stream.request?.destroy();
    }
    await app.stop();
  }
}
