import type { PaymentView } from "@/lib/views/admin-orders";
import { DataTable } from "./data-table";
import { formatUtc } from "@/lib/rules/format";
import { formatUsd } from "@/lib/rules/money";

const COLUMNS = [
  { label: "Payment" }, { label: "Opened by" }, { label: "State" }, { label: "Asked", numeric: true }, { label: "Received", numeric: true },
  { label: "Credited", numeric: true }, { label: "Confirmations" }, { label: "PayRam reference" },
];

/**
 * Every PayRam payment of an order, oldest first: the checkout's own and the top-ups PayRam
 * opened for the order's customer. States read in words; `data-state` keeps the machine name.
 */
export function PaymentsTable({ payments }: { payments: readonly PaymentView[] }) {
  if (payments.length === 0) return <p className="text-sm text-ink-muted">No PayRam payment was opened for this order.</p>;
  return (
    <DataTable look="inset" caption="PayRam payments of this order, oldest first" columns={COLUMNS} rows={payments} testId="admin-payments">
      {(payment) => (
        <tr key={payment.number} data-testid="admin-payment" data-reference={payment.referenceId ?? ""} data-origin={payment.origin} className="border-b border-paper-line align-top last:border-0">
          <th scope="row" className="py-2 pr-4 font-medium">
            {payment.number}
            <span className="block text-xs font-normal text-ink-muted">{formatUtc(payment.updatedAt)}</span>
          </th>
          <td className="py-2 pr-4">{payment.openedBy}</td>
          <td className="py-2 pr-4" data-state={payment.state}>
            {payment.stateLabel}
          </td>
          <td className="py-2 pr-4 text-right tabular-nums">{formatUsd(payment.askedCents)}</td>
          <td className="py-2 pr-4 text-right tabular-nums">{payment.receivedCents === null ? "—" : formatUsd(payment.receivedCents)}</td>
          <td className="py-2 pr-4 text-right tabular-nums">{formatUsd(payment.creditCents)}</td>
          <td className="py-2 pr-4 tabular-nums">{payment.confirmations ? `${payment.confirmations.current} of ${payment.confirmations.required}` : "—"}</td>
          <td className="py-2">
            <span className="break-all font-mono text-xs">{payment.referenceId ?? "—"}</span>
            {payment.paymentUrl && (
              <a href={payment.paymentUrl} className="block text-brand-700 underline" target="_blank" rel="noreferrer">
                Open PayRam&apos;s payment page<span className="sr-only"> for payment {payment.number}</span>
              </a>
            )}
          </td>
        </tr>
      )}
    </DataTable>
  );
}
