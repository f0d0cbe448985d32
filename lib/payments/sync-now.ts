import type { AttemptState } from "../db/schema";
import { errorMessage } from "../log";
import { formatUsd } from "../rules/money";
import { plural } from "../rules/format";
import { isFinal, paymentStateWords } from "../rules/states";
import { syncPayment, type SyncDeps } from "./sync";

/**
 * The merchant's "Sync with PayRam now": asks PayRam about every reference of the order that may
 * still move (an order may be paid over several: the checkout's and PayRam's top-ups), or, once
 * all are final, about the newest one, each through syncPayment like every other path.
 */
export interface SyncNowReport {
  /** The references asked about, oldest first, with what came of each. */
  checked: SyncNowEntry[];
  /** True if one of these syncs paid the order (and queued its fulfilment). */
  fulfilled: boolean;
}

export type SyncNowEntry = { paymentNumber: number; referenceId: string } & (
  | { outcome: "changed"; from: AttemptState; to: AttemptState; receivedCents: number | null }
  | { outcome: "unchanged"; state: AttemptState }
  | { outcome: "unknown_at_payram" }
  | { outcome: "failed"; error: string }
);

/** Null when the order has no PayRam reference at all. */
export async function syncOrderNow(deps: SyncDeps, orderId: string): Promise<SyncNowReport | null> {
  const references = await deps.db
    .selectFrom("payment_attempts")
    .select(["reference_id", "state", "attempt_number"])
    .where("order_id", "=", orderId)
    .where("reference_id", "is not", null)
    .orderBy("attempt_number")
    .execute();
  if (references.length === 0) return null;
  const open = references.filter((reference) => !isFinal(reference.state));
  const targets = open.length > 0 ? open : references.slice(-1);
  const report: SyncNowReport = { checked: [], fulfilled: false };
  // One after another: each apply locks the order's row, and a failure of one is no reason to skip the others.
  for (const target of targets) {
    const referenceId = target.reference_id!;
    const base = { paymentNumber: target.attempt_number, referenceId };
    try {
      const result = await syncPayment(deps, { referenceId }, "merchant");
      if (result.fulfilled) report.fulfilled = true;
      if (result.outcome === "changed" && result.from && result.to) {
        report.checked.push({ ...base, outcome: "changed", from: result.from, to: result.to, receivedCents: result.attempt?.amount_received_cents ?? null });
      } else if (result.outcome === "unknown_at_payram" || result.outcome === "unknown_reference") {
        report.checked.push({ ...base, outcome: "unknown_at_payram" });
      } else {
        report.checked.push({ ...base, outcome: "unchanged", state: result.attempt?.state ?? target.state });
      }
    } catch (error) {
      report.checked.push({ ...base, outcome: "failed", error: errorMessage(error) });
    }
  }
  return report;
}

/** What the merchant reads after "Sync now": a message, or an error when PayRam could not be asked at all. */
export function describeSyncNow(report: SyncNowReport | null): { message: string | null; error: string | null } {
  if (!report) return { message: "This order has no PayRam payment to sync.", error: null };
  const { checked } = report;
  const failed = checked.filter((entry) => entry.outcome === "failed");
  if (failed.length === checked.length) return { message: null, error: `PayRam could not be asked: ${failed[0]?.error ?? "unknown error"}` };
  // With one reference, "payment 2" would say nothing the merchant needs.
  const which = (entry: SyncNowEntry) => (checked.length > 1 ? `payment ${entry.paymentNumber} ` : "");
  const parts: string[] = [];
  const changed = checked.flatMap((entry) => (entry.outcome === "changed" ? [entry] : []));
  for (const entry of changed) {
    parts.push(
      entry.from === entry.to
        ? `${which(entry)}${paymentStateWords(entry.to)}, ${formatUsd(entry.receivedCents ?? 0)} received now`
        : `${which(entry)}${paymentStateWords(entry.from)} → ${paymentStateWords(entry.to)}`,
    );
  }
  if (report.fulfilled) parts.push("order paid and queued for fulfilment");
  const unchanged = checked.flatMap((entry) => (entry.outcome === "unchanged" ? [entry] : []));
  if (unchanged.length > 0) parts.push(unchanged.map((entry) => `${which(entry)}still ${paymentStateWords(entry.state)}`).join(", "));
  const unknown = checked.filter((entry) => entry.outcome === "unknown_at_payram");
  if (unknown.length > 0) parts.push(`${plural(unknown.length, "payment")} unknown to PayRam`);
  if (failed.length > 0) parts.push(`${plural(failed.length, "payment")} could not be asked (${failed[0]!.error})`);
  const lead = changed.length > 0 ? "Updated from PayRam" : "No change from PayRam";
  return { message: `${lead}: ${plural(checked.length, "payment")} checked, ${parts.join("; ")}.`, error: null };
}
