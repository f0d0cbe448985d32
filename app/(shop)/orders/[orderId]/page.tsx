import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { getLocale, getTranslations } from "next-intl/server";
import { OrderStatus } from "./_components/order-status";
import { maskEmail } from "@/lib/orders/mask";
import { shopperOrder } from "@/lib/server/reads";
import { OrderLines, orderItemLines } from "@/components/order-lines";
import { Panel } from "@/components/panel";
import { formatUsd } from "@/lib/rules/money";
import { describeForShopper } from "@/lib/refunds";
import { pendingAnswer } from "@/lib/refunds/address";
import { RefundAddressForm } from "@/components/refund-address-form";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("Order"))("meta"), robots: { index: false } };
}

/**
 * The shopper's order status: rendered on the server from the database (no loading flash, and no
 * wait on PayRam; "checking" if a poll's sync is under way), then kept current by the status
 * island, which also reloads the rest (items shipped, refunds) when the view's revision changes.
 */
export default async function OrderPage({ params }: PageProps<"/orders/[orderId]">) {
  const { orderId } = await params;
  const page = await shopperOrder(orderId);
  if (!page) notFound();
  const { order, items, view, refundAddress, asksForAddress, refunds: shown } = page;
  const t = await getTranslations("Order");
  const tRefunds = await getTranslations("Refunds");
  const locale = await getLocale();
  const refundWords = ({ key, values }: ReturnType<typeof describeForShopper>) => tRefunds(key, values);
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-3xl font-semibold tracking-tight">{t("title", { number: order.number })}</h1>
        <p className="mt-1 text-sm text-ink-muted">
          {t("placed", {
            date: new Date(order.created_at).toLocaleString(locale === "en" ? "en-US" : locale, { dateStyle: "long", timeStyle: "short", timeZone: "UTC" }),
            email: maskEmail(order.email),
          })}
        </p>
      </div>
      <OrderStatus orderId={order.id} initial={view} downloads={items.some((item) => item.ships === 0)} />
      {asksForAddress && (
        <RefundAddressForm
          orderId={order.id}
          current={refundAddress && { address: refundAddress.address, token: refundAddress.token, network: refundAddress.network, confirmed: refundAddress.confirmed_at !== null }}
          waiting={pendingAnswer(refundAddress)}
        />
      )}
      {shown.length > 0 && (
        <Panel id="refunds" title={t("refunds")}>
          <ul className="mt-2 space-y-1 text-sm" data-testid="shopper-refunds">
            {shown.map((refund) => (
              <li key={refund.id} data-status={refund.status}>
                {t("refundLine", { usd: formatUsd(refund.amount_cents, locale), crypto: refund.crypto_amount, token: refund.token, status: refundWords(describeForShopper(refund)) })}
              </li>
            ))}
          </ul>
        </Panel>
      )}
      <Panel id="items" title={t("items")}>
        <OrderLines lines={orderItemLines(items)} totalCents={order.total_cents} totalTestId="order-total" />
        {order.shipping_name && (
          <p className="mt-4 text-sm text-ink-muted">
            {t("shippingTo", { name: order.shipping_name, city: order.shipping_city ?? "", country: order.shipping_country ?? "" })}
          </p>
        )}
      </Panel>
    </div>
  );
}
