import { ShippingNote, type LineShipment } from "@/components/shipping-note";
import { useLocale, useTranslations } from "next-intl";
import { formatUsd as usdIn } from "@/lib/rules/money";

export interface OrderLine {
  key: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
  lineTotalCents: number;
  /** Physical lines the merchant marked shipped. */
  shipment?: LineShipment | null;
}

/** An order's lines and total, as the checkout, the status page and the merchant show them. */
export function OrderLines({ lines, totalCents, totalTestId, unitPrices = false }: { lines: OrderLine[]; totalCents: number; totalTestId?: string; unitPrices?: boolean }) {
  const t = useTranslations("Order");
  const locale = useLocale();
  const formatUsd = (cents: number) => usdIn(cents, locale);
  return (
    <>
      <ul className="mt-4 space-y-2 text-sm">
        {lines.map((line) => (
          <li key={line.key} className="flex justify-between gap-4">
            <span>
              {line.name} × {line.quantity}
              {unitPrices && ` @ ${formatUsd(line.unitPriceCents)}`}
              {line.shipment && <ShippingNote shipment={line.shipment} />}
            </span>
            <span className="tabular-nums">{formatUsd(line.lineTotalCents)}</span>
          </li>
        ))}
      </ul>
      <dl className="mt-4 flex justify-between border-t border-paper-line pt-4 text-lg font-semibold">
        <dt>{t("total")}</dt>
        <dd className="tabular-nums" data-testid={totalTestId}>
          {formatUsd(totalCents)}
        </dd>
      </dl>
    </>
  );
}

/** The snapshot lines an order keeps, for OrderLines. */
export function orderItemLines(
  items: { position: number; name: string; quantity: number; unit_price_cents: number; line_total_cents: number; shipped_at?: string | null; carrier?: string | null; tracking_number?: string | null; tracking_url?: string | null }[],
): OrderLine[] {
  return items.map((item) => ({
    key: String(item.position),
    name: item.name,
    quantity: item.quantity,
    unitPriceCents: item.unit_price_cents,
    lineTotalCents: item.line_total_cents,
    shipment: item.shipped_at && item.carrier && item.tracking_number ? { carrier: item.carrier, trackingNumber: item.tracking_number, trackingUrl: item.tracking_url ?? null } : null,
  }));
}
