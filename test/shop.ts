import { addToCart, getCart } from "@/lib/cart";
import { productIdOf, seedCatalog } from "@/lib/catalog";
import type { Db } from "@/lib/db";
import type { Insertable } from "kysely";
import type { OrdersTable, PaymentAttempt } from "@/lib/db/schema";
import { startCheckout, type CheckoutDeps } from "@/lib/checkout/checkout";
import { issueCheckoutToken } from "@/lib/checkout/token";
import type { SyncDeps } from "@/lib/payments/sync";
import type { TestPayram } from "./emulator";
import { inWordsOf } from "./said";

export const TEST_SECRET = "shop-test-session-secret-0123456789abcdef";

export const TEST_ADDRESS = {
  shippingName: "Ada Lovelace",
  shippingLine1: "12 St James's Square",
  shippingCity: "London",
  shippingPostalCode: "SW1Y 4JH",
  shippingCountry: "United Kingdom",
};

/** `customerPrefix`: PAYRAM_CUSTOMER_PREFIX of the shop (default "order_"). */
export function checkoutDepsFor(db: Db, payram: TestPayram, customerPrefix?: string): CheckoutDeps {
  return {
    db,
    payram: payram.client,
    sessionSecret: TEST_SECRET,
    checkoutOrigins: [new URL(payram.emulator.publicUrl).origin],
    payramTimeoutMs: 2_000,
    paymentTtlMs: 60 * 60_000,
    ...(customerPrefix === undefined ? {} : { customerPrefix }),
  };
}

/** What the webhook, the sweep and the status poll get, for a shop with the given PAYRAM_CUSTOMER_PREFIX. */
export function syncDepsFor(db: Db, payram: TestPayram, customerPrefix?: string): SyncDeps {
  return { db, payram: payram.client, ...(customerPrefix === undefined ? {} : { customerPrefix }) };
}

/**
 * The shopper tops up a partly paid payment, and PayRam (reading B, `api.topUp: "new-reference"`)
 * opens a new payment request for it under a new reference and the same customer. Returns that reference.
 */
export async function topUpUnderNewReference(payram: TestPayram, referenceId: string, amountInUSD: string): Promise<string> {
  await payram.control("/config", "PUT", { api: { topUp: "new-reference" } });
  const topUp = (await payram.deposit(referenceId, amountInUSD)) as { referenceId?: string; topUpOf?: string | null };
  if (!topUp.referenceId || topUp.topUpOf !== referenceId) throw new Error(`the deposit on ${referenceId} was not a top-up under a new reference`);
  return topUp.referenceId;
}

/** PayRam sends webhooks, and every delivery is lost for good (never sent, never retried). */
export async function loseEveryWebhook(payram: TestPayram): Promise<void> {
  await payram.control("/config", "PUT", { webhooks: { enabled: true, urls: ["http://127.0.0.1:9/api/webhook"] }, faults: { webhooks: { lostRate: 1 } } });
}

export interface PlacedOrder {
  orderId: string;
  orderNumber: number;
  referenceId: string;
  attempt: PaymentAttempt;
}

/** An order placed through the real checkout path, with its PayRam payment open at the emulator. */
export async function placeOrder(
  db: Db,
  payram: TestPayram,
  lines: [slug: string, quantity: number][] = [["lofi-sound-pack", 1]],
  deps: Partial<CheckoutDeps> = {},
  email = "shopper@example.com",
): Promise<PlacedOrder> {
  await seedCatalog(db);
  let cartId: string | undefined;
  for (const [slug, quantity] of lines) {
    const added = await addToCart(db, cartId, await productIdOf(db, slug), quantity);
    if (!added.ok) throw new Error(inWordsOf(added.error));
    cartId = added.cartId;
  }
  const token = issueCheckoutToken(TEST_SECRET, await getCart(db, cartId));
  const result = await startCheckout({ ...checkoutDepsFor(db, payram), ...deps }, { cartId, form: { token, email, ...TEST_ADDRESS } });
  if (!result.ok) throw new Error(inWordsOf(result.error));
  const attempt = await db
    .selectFrom("payment_attempts")
    .selectAll()
    .where("order_id", "=", result.orderId)
    .where("state", "=", "OPEN")
    .executeTakeFirstOrThrow();
  const order = await db.selectFrom("orders").select("number").where("id", "=", result.orderId).executeTakeFirstOrThrow();
  return { orderId: result.orderId, orderNumber: order.number, referenceId: attempt.reference_id!, attempt };
}

/** An order row as the checkout writes it, for tests that need one without a checkout. */
export function orderRow(fields: { id: string; number: number; totalCents: number; createdAt: string; email?: string }): Insertable<OrdersTable> {
  return {
    id: fields.id,
    number: fields.number,
    checkout_token: null,
    email: fields.email ?? `${fields.id}@example.com`,
    shipping_name: null,
    shipping_line1: null,
    shipping_line2: null,
    shipping_city: null,
    shipping_region: null,
    shipping_postal_code: null,
    shipping_country: null,
    total_cents: fields.totalCents,
    currency: "USD",
    created_at: fields.createdAt,
    updated_at: fields.createdAt,
    paid_at: null,
    cancelled_at: null,
  };
}

/** Everything the merchant would look at for one order. */
export async function orderState(db: Db, orderId: string) {
  const [order, attempts, fulfilments, events, attention] = await Promise.all([
    db.selectFrom("orders").select(["paid_at"]).where("id", "=", orderId).executeTakeFirstOrThrow(),
    db.selectFrom("payment_attempts").select(["attempt_number", "state", "amount_received_cents"]).where("order_id", "=", orderId).orderBy("attempt_number").execute(),
    db.selectFrom("fulfilments").select(["attempt_id", "kind"]).where("order_id", "=", orderId).execute(),
    db.selectFrom("payment_events").select(["source", "from_state", "to_state"]).where("order_id", "=", orderId).orderBy("id").execute(),
    db.selectFrom("attention_items").select(["kind", "detail"]).where("order_id", "=", orderId).orderBy("id").execute(),
  ]);
  return { paid: order.paid_at !== null, attempts, fulfilments, events, attention };
}
