"use client";

import { useCallback, useEffect, useState } from "react";
import useSWR from "swr";
import { paymentSettled, STATUS_SYNC_INTERVAL_MS, viewSettled } from "@/lib/rules/states";
import type { OrderStatusView } from "@/lib/views/status";

/** Paid (perhaps over several payments) or final: nothing will change by itself (the server's rule too). */
const settled = viewSettled;

const MINUTE = 60_000;
/** Poll as often as the server syncs while news is likely, then back off the longer it is quiet. */
const POLL_TIERS = [
  { quietForLessThanMs: 2 * MINUTE, everyMs: STATUS_SYNC_INTERVAL_MS },
  { quietForLessThanMs: 10 * MINUTE, everyMs: 5_000 },
  { quietForLessThanMs: 60 * MINUTE, everyMs: 15_000 },
];
const SLOWEST_POLL_MS = 30_000;

/**
 * How long to wait before asking again: short while a payment may arrive, backing off the
 * longer nothing happens, and 0 (stop) once the payment is final — or, while the rest of the page
 * awaits news (a line to ship, a refund: days, not seconds), the slowest.
 */
export function pollInterval(view: OrderStatusView | undefined, now = Date.now()): number {
  if (!view || settled(view)) return 0;
  if (paymentSettled(view)) return SLOWEST_POLL_MS;
  const quietMs = now - Date.parse(view.updatedAt);
  return POLL_TIERS.find((tier) => quietMs < tier.quietForLessThanMs)?.everyMs ?? SLOWEST_POLL_MS;
}

/**
 * The order's event stream as the page sees it: none open (settled, hidden tab, no
 * EventSource), opened but silent so far, live (a message arrived, no error since), or failing
 * (an error: the browser is reconnecting, or refused the stream for good on a 404/429).
 */
export type StreamHealth = "none" | "opening" | "live" | "failing";

/**
 * Polling is the fallback: off while the stream is live, on otherwise. A stream that stays
 * silent (a buffering proxy) is thus polled one interval after it opened, as before.
 */
export function fallbackPollInterval(view: OrderStatusView | undefined, stream: StreamHealth, now = Date.now()): number {
  return stream === "live" ? 0 : pollInterval(view, now);
}

/** A stream message's view, or null for anything that is not one (ignored). */
export function parseStreamMessage(data: unknown): OrderStatusView | null {
  if (typeof data !== "string") return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  const view = value as Partial<OrderStatusView> | null;
  const looksRight = typeof view === "object" && view !== null && typeof view.state === "string" && typeof view.paid === "boolean" && typeof view.updatedAt === "string" && typeof view.receivedUsd === "string" && /^\d+\.\d{2}$/.test(view.receivedUsd) && typeof view.revision === "string" && typeof view.awaiting === "boolean";
  return looksRight ? (view as OrderStatusView) : null;
}

async function fetchStatus(url: string): Promise<OrderStatusView> {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) throw new Error(`status ${response.status}`);
  return (await response.json()) as OrderStatusView;
}

/** Twice the server's heartbeat (lib/live/stream.ts HEARTBEAT_MS, 20 s) and a little more. */
const SILENT_STREAM_MS = 45_000;

/**
 * The one hook for an order's payment status. The server pushes each change down an event
 * stream (`/api/orders/<id>/events`), written into SWR's cache; polling takes over whenever the
 * stream is not live. A hidden tab closes its stream (browsers allow 6 connections per origin)
 * and SWR pauses polling; both resume when the tab is visible again.
 */
export function useOrderStatus(orderId: string, initial: OrderStatusView) {
  const url = `/api/orders/${orderId}`;
  const [stream, setStream] = useState<StreamHealth>("none");
  const swr = useSWR(url, fetchStatus, {
    fallbackData: initial,
    refreshInterval: useCallback((latest?: OrderStatusView) => fallbackPollInterval(latest ?? initial, stream), [initial, stream]),
    revalidateOnMount: !settled(initial),
    revalidateOnFocus: !settled(initial),
    keepPreviousData: true,
  });
  const { mutate } = swr;
  const done = settled(swr.data ?? initial);

  useEffect(() => {
    if (done || typeof EventSource === "undefined") return;
    let source: EventSource | null = null;
    let heard = 0;
    const close = () => {
      source?.close();
      source = null;
    };
    const open = () => {
      if (source || document.visibilityState === "hidden") return;
      const opened = new EventSource(`${url}/events`);
      source = opened;
      setStream("opening");
      heard = Date.now();
      // The server's heartbeat: a live stream says something at least this often.
      opened.addEventListener("ping", () => {
        heard = Date.now();
      });
      opened.onmessage = (event) => {
        heard = Date.now();
        const view = parseStreamMessage(event.data);
        if (!view) return;
        setStream("live");
        void mutate(view, { revalidate: false });
        // The server ends the stream after a settled view: close first, so the browser does not reconnect.
        if (settled(view)) close();
      };
      opened.onerror = () => {
        setStream("failing");
        // Refused for good (404, 429, 204): polling carries on alone until the tab is shown again.
        if (opened.readyState === EventSource.CLOSED && source === opened) source = null;
      };
    };
    const onVisibility = () => {
      if (document.visibilityState === "hidden") {
        close();
        setStream("none");
      } else {
        open();
      }
    };
    // A stream that died without an error (a network switch, a proxy dropping it quietly) goes
    // silent: past two heartbeats, poll again and open a new one.
    const watchdog = setInterval(() => {
      if (!source || Date.now() - heard < SILENT_STREAM_MS) return;
      close();
      setStream("failing");
      open();
    }, SILENT_STREAM_MS / 4);
    open();
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      clearInterval(watchdog);
      document.removeEventListener("visibilitychange", onVisibility);
      close();
      setStream("none");
    };
  }, [url, done, mutate]);

  return swr;
}
