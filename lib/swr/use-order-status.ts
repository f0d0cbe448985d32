"use client";

import useSWR from "swr";
import { FINAL_STATES } from "@/lib/db/schema";
import type { OrderStatusView } from "@/lib/payments/status";

/** States after which nothing will change by itself: polling stops. */
const FINAL = new Set<string>(FINAL_STATES);

/**
 * How long to wait before asking again: short while a payment may arrive, backing off the
 * longer nothing happens, and 0 (stop) once the payment is final.
 */
export function pollInterval(view: OrderStatusView | undefined, now = Date.now()): number {
  if (!view || FINAL.has(view.state)) return 0;
  const quietMs = now - Date.parse(view.updatedAt);
  if (quietMs < 2 * 60_000) return 2_000;
  if (quietMs < 10 * 60_000) return 5_000;
  if (quietMs < 60 * 60_000) return 15_000;
  return 30_000;
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
    revalidateOnMount: !FINAL.has(initial.state),
    revalidateOnFocus: !FINAL.has(initial.state),
    keepPreviousData: true,
  });
}
