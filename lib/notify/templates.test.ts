import { expect, it } from "vitest";
import { renderMail } from "./templates";

const context = { shopName: "Lumen Goods", baseUrl: "https://shop.example.com" };

it("writes the shopper's mails in the order's language, and the merchant's in English", () => {
  const partly = { kind: "partly_paid", orderNumber: 1001, orderId: "o".repeat(22), receivedUsd: "4.00", dueUsd: "9.49" } as const;
  const spanish = renderMail(partly, { ...context, locale: "es" });
  expect(spanish.subject).toBe("Pedido #1001: ha llegado parte de tu pago · Lumen Goods");
  expect(spanish.text).toMatch(/^Hemos recibido 4,00\sUS\$ de 9,49\sUS\$/);
  expect(spanish.html).toContain('<html lang="es" dir="ltr">');
  const arabic = renderMail(partly, { ...context, locale: "ar" });
  expect(arabic.html).toContain('<html lang="ar" dir="rtl">');
  // English as before; an unknown locale reads English.
  expect(renderMail(partly, context).subject).toBe("Order #1001: part of your payment arrived · Lumen Goods");
  expect(renderMail(partly, { ...context, locale: "xx" }).text).toMatch(/^We received \$4\.00 of \$9\.49/);
  expect(renderMail({ kind: "merchant_paid", orderNumber: 1001, totalUsd: "9.49", email: "a@example.com" }, { ...context, locale: "es" }).subject).toBe("New paid order #1001 · Lumen Goods");
});
