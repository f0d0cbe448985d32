import type { Metadata } from "next";
import { PageTitle } from "@/components/page-title";
import { notFound } from "next/navigation";
import { CancelOrderButton } from "./_components/cancel-order";
import { OrderCommandButton } from "./_components/order-command-button";
import { releaseStockAction, syncNowAction } from "@/lib/actions/admin";
import { OrderMails } from "@/components/admin/order-mails";
import { Refunds } from "./_components/refunds";
import { ResolveForm } from "@/components/admin/resolve-form";
import { ShipForm } from "./_components/ship-form";
import { OrderLines, orderItemLines } from "@/components/order-lines";
import { Panel } from "@/components/panel";
import { PaymentsTable } from "@/components/admin/payments-table";
import { StateBadge } from "@/components/admin/state-badge";
import { requireMerchantPage, stepUpIsFresh } from "@/lib/server/auth";
import { can, hasSecondFactor } from "@/lib/rules/roles";
import { ATTENTION_LABELS } from "@/lib/views/admin-orders";
import { loadConfig } from "@/lib/config";
import { merchantOrder, waitingRefundRequestsOf } from "@/lib/server/reads";
import { describeStatus, newRefundFormToken } from "@/lib/refunds";
import { refundableCents } from "@/lib/rules/refundable";
import { formatUtc } from "@/lib/rules/format";
import { centsToDecimal, formatUsd } from "@/lib/rules/money";
import { MERCHANT_STATE_LABELS } from "@/lib/rules/states";

export const metadata: Metadata = { title: "Order" };

export default async function AdminOrderPage({ params }: PageProps<"/admin/orders/[orderId]">) {
  const merchant = await requireMerchantPage("orders.read");
  const { orderId } = await params;
  const detail = await merchantOrder(orderId);
  if (!detail) notFound();
  const { order, items, payments, timeline, attention, fulfilment, refunds, shopperAddress, mails } = detail;
  const role = merchant.person.role;
  const fresh = stepUpIsFresh(merchant);
  const money = { canSend: can(role, "refunds.send"), enrolled: hasSecondFactor(merchant.secondFactor), fresh };
  const requests = await waitingRefundRequestsOf(order.id);
  const received = order.received_cents;
  const open = attention.filter((item) => item.resolved_at === null);
  const refundable = refundableCents(order, refunds);
  const toShip = order.paid_at && !order.cancelled_at ? items.filter((item) => item.ships === 1 && item.shipped_at === null) : [];
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-4">
        <div>
          <PageTitle back="/admin" backLabel="Orders">Order #{order.number}</PageTitle>
          <p className="text-sm text-ink-muted">
            {order.email} · placed {formatUtc(order.created_at)}
          </p>
        </div>
        <StateBadge state={order.payment_state} />
      </div>

      <section aria-labelledby="payram" className="space-y-6 rounded-xl border border-paper-line bg-paper p-6">
        <div className="grid gap-6 md:grid-cols-2">
          <div className="space-y-2">
            <h2 id="payram" className="text-lg font-semibold">
              PayRam payments
            </h2>
            <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm">
              <dt className="text-ink-muted">State</dt>
              <dd data-testid="admin-payment-state" data-state={order.payment_state}>
                {MERCHANT_STATE_LABELS[order.payment_state]}
              </dd>
              <dt className="text-ink-muted">Due</dt>
              <dd className="tabular-nums">{formatUsd(order.total_cents)}</dd>
              <dt className="text-ink-muted">Received</dt>
              <dd className="tabular-nums" data-testid="admin-received">{formatUsd(received)}</dd>
              <dt className="text-ink-muted">Remaining</dt>
              <dd className="tabular-nums">{formatUsd(order.paid_at ? 0 : Math.max(0, order.total_cents - received))}</dd>
              <dt className="text-ink-muted">Fulfilment</dt>
              <dd>{fulfilment ? `to ${fulfilment.kind} (since ${formatUtc(fulfilment.created_at)})` : order.cancelled_at ? "none: cancelled" : "not paid yet"}</dd>
              {order.stock_released_at && (
                <>
                  <dt className="text-ink-muted">Stock released</dt>
                  <dd data-testid="admin-stock-released">{formatUtc(order.stock_released_at)}</dd>
                </>
              )}
              {order.cancelled_at && (
                <>
                  <dt className="text-ink-muted">Cancelled</dt>
                  <dd data-testid="admin-cancelled">{formatUtc(order.cancelled_at)}</dd>
                </>
              )}
            </dl>
          </div>
          <div className="space-y-4">
            <OrderCommandButton orderId={order.id} command={syncNowAction} label="Sync with PayRam now" pendingLabel="Asking PayRam…" primary announce />
            {!order.cancelled_at && can(role, "orders.cancel") && <CancelOrderButton orderId={order.id} paid={order.paid_at !== null} codeNeeded={!fresh} />}
            {/* Puts an unpaid order's stock back on sale while its payment is open (issue 29.2); the order stays payable. */}
            {!order.cancelled_at && !order.paid_at && can(role, "orders.cancel") && (
              <OrderCommandButton orderId={order.id} command={releaseStockAction} label="Release its stock" pendingLabel="Releasing…" testId="release-stock-status" />
            )}
          </div>
        </div>
        <PaymentsTable payments={payments} />
      </section>

      {open.length > 0 && (
        <section aria-labelledby="attention" className="space-y-3 rounded-xl border border-amber-200 bg-amber-50 p-6">
          <h2 id="attention" className="text-lg font-semibold">
            Needs attention
          </h2>
          {open.map((item) => (
            <div key={item.id} className="space-y-2">
              <p>
                <strong>{ATTENTION_LABELS[item.kind]}</strong>: {item.detail}
              </p>
              {can(role, "attention.resolve") && <ResolveForm id={item.id} label={ATTENTION_LABELS[item.kind]} />}
            </div>
          ))}
        </section>
      )}

      <Panel id="history" title="History">
        <ol className="mt-4 space-y-3" data-testid="timeline">
          {timeline.map((entry, index) => (
            <li key={index} className="border-l-2 border-paper-line pl-4">
              <p className="text-xs text-ink-muted tabular-nums">{formatUtc(entry.at)} · {entry.kind}</p>
              <p className="font-medium">{entry.title}</p>
              {entry.detail && <p className="text-sm text-ink-muted">{entry.detail}</p>}
            </li>
          ))}
        </ol>
      </Panel>

      <Panel id="items" title="Items">
        <OrderLines lines={orderItemLines(items)} totalCents={order.total_cents} unitPrices />
        {order.shipping_name && (
          <p className="mt-4 text-sm">
            Ship to: {order.shipping_name}, {order.shipping_line1}
            {order.shipping_line2 ? `, ${order.shipping_line2}` : ""}, {order.shipping_postal_code} {order.shipping_city}
            {order.shipping_region ? `, ${order.shipping_region}` : ""}, {order.shipping_country}
          </p>
        )}
        {toShip.length > 0 && (
          <div className="mt-6 border-t border-paper-line pt-6">
            <ShipForm orderId={order.id} lines={toShip.map((item) => ({ position: item.position, name: item.name, quantity: item.quantity }))} />
          </div>
        )}
      </Panel>

      {(refunds.length > 0 || refundable > 0 || requests.length > 0) && (
        <Refunds
          orderId={order.id}
          money={money}
          requests={requests.map((request) => ({
            id: request.id,
            amountUsd: centsToDecimal(Number(request.amount_cents)),
            token: request.token,
            network: request.network,
            address: request.address,
            requestedBy: request.requested_by_email ?? "a former member",
          }))}
          refundableUsd={centsToDecimal(refundable)}
          formToken={newRefundFormToken()}
          shopperAddress={shopperAddress && { network: shopperAddress.network, token: shopperAddress.token, address: shopperAddress.address, confirmed: shopperAddress.confirmed_at !== null }}
          refunds={refunds.map((refund) => ({
            id: refund.id,
            amountUsd: centsToDecimal(refund.amount_cents),
            cryptoAmount: refund.crypto_amount,
            token: refund.token,
            network: refund.network,
            address: refund.address,
            status: refund.status,
            description: describeStatus(refund),
            txHash: refund.tx_hash,
            createdAt: refund.created_at,
          }))}
        />
      )}

      <OrderMails mails={mails} mailOff={loadConfig().mail.smtpUrl === null} />
    </div>
  );
}
