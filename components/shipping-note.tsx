import { useTranslations } from "next-intl";

/** How a physical line was shipped, as the shopper and the merchant read it. */
export interface LineShipment {
  carrier: string;
  trackingNumber: string;
  trackingUrl: string | null;
}

export function ShippingNote({ shipment }: { shipment: LineShipment }) {
  const t = useTranslations("Order");
  return (
    <span className="block text-xs text-ink-muted" data-testid="line-shipping">
      {t("shipped", { carrier: shipment.carrier })}
      {shipment.trackingUrl ? (
        <a href={shipment.trackingUrl} rel="noopener noreferrer" target="_blank" className="text-brand-700 underline">
          {shipment.trackingNumber}
        </a>
      ) : (
        shipment.trackingNumber
      )}
    </span>
  );
}
