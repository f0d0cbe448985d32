import type { Metadata } from "next";
import Link from "next/link";
import { CheckoutForm } from "@/components/checkout-form";
import { getCart } from "@/lib/cart";
import { readCartId } from "@/lib/cart/cookie";
import { loadConfig } from "@/lib/config";
import { getDb } from "@/lib/db/server";
import { formatUsd } from "@/lib/money";
import { issueCheckoutToken } from "@/lib/payments/checkout-token";
import { priceCart } from "@/lib/payments/pricing";

export const metadata: Metadata = { title: "Checkout" };

export default async function CheckoutPage() {
  const cart = await getCart(getDb(), await readCartId());
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
        <aside aria-labelledby="order-summary" className="h-fit rounded-xl border border-paper-line bg-paper p-6">
          <h2 id="order-summary" className="text-lg font-semibold">
            Order summary
          </h2>
          <ul className="mt-4 space-y-2 text-sm">
            {priced.lines.map((line) => (
              <li key={line.slug} className="flex justify-between gap-4">
                <span>
                  {line.name} × {line.quantity}
                </span>
                <span className="tabular-nums">{formatUsd(line.lineTotalCents)}</span>
              </li>
            ))}
          </ul>
          <dl className="mt-4 flex justify-between border-t border-paper-line pt-4 text-lg font-semibold">
            <dt>Total</dt>
            <dd className="tabular-nums" data-testid="checkout-total">
              {formatUsd(priced.totalCents)}
            </dd>
          </dl>
        </aside>
      </div>
    </div>
  );
}
