import { MERCHANT_STATE_LABELS, type MerchantState } from "@/lib/rules/states";

const STYLE: Record<MerchantState, string> = {
  PAID: "bg-green-100 text-green-800",
  FILLED: "bg-green-100 text-green-800",
  OVER_FILLED: "bg-green-100 text-green-800",
  PARTIALLY_FILLED: "bg-amber-100 text-amber-900",
  OPEN: "bg-brand-100 text-brand-900",
  STARTING: "bg-brand-100 text-brand-900",
  CANCELLED: "bg-gray-200 text-gray-800",
  START_FAILED: "bg-red-100 text-red-800",
  NONE: "bg-gray-100 text-gray-700",
};

/** The merchant's state of an order, in words; `data-state` keeps the machine name. */
export function StateBadge({ state }: { state: MerchantState }) {
  return (
    <span data-state={state} className={`inline-block rounded px-2 py-0.5 text-xs font-semibold ${STYLE[state]}`}>
      {MERCHANT_STATE_LABELS[state]}
    </span>
  );
}
