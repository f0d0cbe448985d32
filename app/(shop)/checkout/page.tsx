import type { Metadata } from "next";
import Link from "next/link";
import { CheckoutForm } from "@/components/checkout-form";
import { loadConfig } from "@/lib/config";
import { currentCart } from "@/lib/server/reads";
import { formatUsd } from "@/lib/rules/money";
import { issueCheckoutToken } from "@/lib/checkout/token";
import { priceCart } from "@/lib/checkout/pricing";
import { OrderLines } from "@/components/order-lines";
import { Panel } from "@/components/panel";

export const metadata: Metadata = { title: "Checkout" };

export default async function CheckoutPage() {
  const cart = await currentCart();
  const priced = priceCart(cart);
  if (!priced.ok) {
    return (
      <div className="space-y-4 rounded-xl border border-paper-line bg-paper p-8">
        <h1 className="text-3xl font-semibold tracking-tight">Checkout</h1>
        <p className="text-ink-muted">{priced.error}</p>
        <Link href={cart.lines.length ? "/cart" : "/"} className="inline-block font-medium text-brand-600 underline">
          {cart.lines.length ? "Back to your cart" : "Continue shopping"}
        </Link>
      </div>
    );
  }
  const token = issueCheckoutToken(loadConfig().sessionSecret, cart);
  return (
    <div className="space-y-6">
      <h1 className="text-3xl font-semibold tracking-tight">Checkout</h1>
      <div className="grid gap-8 lg:grid-cols-[1fr_22rem]">
        <section aria-label="Your details" className="rounded-xl border border-paper-line bg-paper p-6">
          <CheckoutForm token={token} ships={priced.ships} totalLabel={formatUsd(priced.totalCents)} />
        </section>
        <Panel id="order-summary" title="Order summary" className="h-fit">
          <OrderLines lines={priced.lines.map((line) => ({ key: line.slug, ...line }))} totalCents={priced.totalCents} totalTestId="checkout-total" />
        </Panel>
      </div>
    </div>
  );
}
