"use client";

import useSWR from "swr";
import { isFinal, STATUS_SYNC_INTERVAL_MS } from "@/lib/payments/states";
import type { OrderStatusView } from "@/lib/payments/status";

/** Paid (perhaps over several payments) or final: nothing will change by itself. */
const settled = (view: OrderStatusView) => view.paid || isFinal(view.state);

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
 * longer nothing happens, and 0 (stop) once the payment is final.
 */
export function pollInterval(view: OrderStatusView | undefined, now = Date.now()): number {
  if (!view || settled(view)) return 0;
  const quietMs = now - Date.parse(view.updatedAt);
  return POLL_TIERS.find((tier) => quietMs < tier.quietForLessThanMs)?.everyMs ?? SLOWEST_POLL_MS;
}

async function fetchStatus(url: string): Promise<OrderStatusView> {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) throw new Error(`status ${response.status}`);
  return (await response.json()) as OrderStatusView;
}

/** The one hook for an order's payment status. SWR pauses while the tab is hidden. */
export function useOrderStatus(orderId: string, initial: OrderStatusView) {
  return useSWR(`/api/orders/${orderId}`, fetchStatus, {
    fallbackData: initial,
    refreshInterval: (latest) => pollInterval(latest ?? initial),
    revalidateOnMount: !settled(initial),
    revalidateOnFocus: !settled(initial),
    keepPreviousData: true,
  });
}
