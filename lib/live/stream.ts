import { errorMessage, log } from "../log";
import { viewSettled } from "../rules/states";
import { orderStatus, type OrderStatusView } from "../views/status";
import type { SyncDeps } from "../payments/sync";
import { processWide } from "../process-wide";
import { watchOrder } from "./hub";

/**
 * The status page's event stream (`GET /api/orders/[orderId]/events`): the view at once, then the
 * same view each time the order changes, a comment every HEARTBEAT_MS, and the end once the view
 * is settled. Streams are bounded per client address, per order and per instance; past any bound
 * the page polls instead. Each stream costs about 100–130 KiB of memory (bench/RESULTS.md, section
 * 8), so the instance bound keeps them within about 250 MiB; a shopper's few tabs are far below
 * the order's bound.
 */
export const STREAM_BOUNDS = { perClient: 20, perOrder: 10, perInstance: 2_000 };
export const HEARTBEAT_MS = 20_000;
/** How long a browser waits before reconnecting a dropped stream (SSE `retry:`). */
const RECONNECT_MS = 3_000;

const HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  // no-transform: without it `next start` gzips the stream (and keeps ~256 KiB of zlib state per stream).
  "Cache-Control": "no-cache, no-transform",
  // nginx: do not buffer this response.
  "X-Accel-Buffering": "no",
};

interface OpenStream {
  client: string;
  close(): void;
}

/** Open streams, and how many each client address and each order holds. */
const open = processWide("live-streams", () => ({ streams: new Set<OpenStream>(), byClient: new Map<string, number>(), byOrder: new Map<string, number>() }));

function count(counts: Map<string, number>, key: string, by: 1 | -1): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}

export async function orderEvents(
  deps: SyncDeps,
  orderId: string,
  client: string,
  signal: AbortSignal,
  /** How often the watched order is synced with PayRam (hub.ts WATCHED_SYNC_MS; tests turn it off to see the push alone). */
  syncEveryMs?: number,
): Promise<Response> {
  // What a poll would answer (and it may ask PayRam, at most once per interval).
  const view = await orderStatus(deps, orderId);
  if (!view) return Response.json({ error: "not found" }, { status: 404, headers: { "Cache-Control": "no-store" } });
  // Settled: nothing will change, and a 204 stops the browser reconnecting.
  if (viewSettled(view)) return new Response(null, { status: 204, headers: { "Cache-Control": "no-store" } });
  const full =
    open.streams.size >= STREAM_BOUNDS.perInstance || (open.byClient.get(client) ?? 0) >= STREAM_BOUNDS.perClient || (open.byOrder.get(orderId) ?? 0) >= STREAM_BOUNDS.perOrder;
  if (full) {
    return Response.json({ error: "too many open status streams; the page polls instead" }, { status: 429, headers: { "Cache-Control": "no-store", "Retry-After": "30" } });
  }

  const encoder = new TextEncoder();
  let cleanup = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const write = (text: string) => {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          end();
        }
      };
      const send = (current: OrderStatusView) => {
        write(`data: ${JSON.stringify(current)}\n\n`);
        if (viewSettled(current)) end();
      };
      const stream: OpenStream = { client, close: () => end() };
      // A comment keeps proxies from timing the stream out; the page cannot see comments, so a
      // `ping` event follows it, which lets the page notice a stream that died without an error.
      const heartbeat = setInterval(() => write(": keep-alive\nevent: ping\ndata: 1\n\n"), HEARTBEAT_MS);
      heartbeat.unref();
      const unwatch = watchOrder(deps, orderId, view, send, syncEveryMs);
      function end() {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        unwatch();
        open.streams.delete(stream);
        count(open.byClient, client, -1);
        count(open.byOrder, orderId, -1);
        signal.removeEventListener("abort", end);
        try {
          controller.close();
        } catch {
          // Already closed by the client going away.
        }
      }
      cleanup = end;
      open.streams.add(stream);
      count(open.byClient, client, 1);
      count(open.byOrder, orderId, 1);
      // Gone while the view was being read: the abort event has fired already, and nothing would end it.
      if (signal.aborted) return end();
      signal.addEventListener("abort", end);
      write(`retry: ${RECONNECT_MS}\n`);
      send(view);
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(body, { headers: HEADERS });
}

/** Ends every open stream (at shutdown: Next closes the server, not the connections; browsers reconnect elsewhere). */
export function closeAllStreams(): number {
  const streams = [...open.streams];
  for (const stream of streams) {
    try {
      stream.close();
    } catch (error) {
      log.warn({ event: "live", err: errorMessage(error) }, "a status stream did not close");
    }
  }
  return streams.length;
}

/** For the merchant's health view and the bench: streams open on this instance. */
export function openStreamCount(): number {
  return open.streams.size;
}
