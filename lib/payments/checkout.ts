import { randomUUID } from "node:crypto";
import { clearCart, getCart, type Cart } from "../cart";
import { isUniqueViolation, type Db } from "../db";
import { nowIso, OPEN_ATTEMPT_STATES, type AttemptState, type Order, type PaymentAttempt } from "../db/schema";
import { log } from "../log";
import { centsToDecimal } from "../money";
import { createOrder, findOrderByCheckoutToken } from "../orders";
import type { PayramClient } from "../payram/client";
import { PayramError } from "../payram/errors";
import { checkoutFormSchema, fieldErrorsOf, shippingSchema, toShippingAddress, type FieldErrors } from "./checkout-form";
import { latestAttempt, recordPaymentEvent } from "./attempts";
import { SYNC_BACKOFF } from "./sync";
import { verifyCheckoutToken } from "./checkout-token";
import { priceCart } from "./pricing";

/**
 * The checkout: the one function the server action wraps, so scripts and tests run the very
 * same path without a browser. The order is recorded before PayRam is called; the create call
 * is never retried (PayRam has no idempotency key): a new attempt on the same order, with the
 * same customerID, makes PayRam cancel whatever a lost attempt may have created.
 */
export interface CheckoutDeps {
  db: Db;
  payram: PayramClient;
  /** Signs checkout tokens. */
  sessionSecret: string;
  /** Origins the shopper may be sent to for payment: PAYRAM_BASE_URL's and PAYRAM_CHECKOUT_ORIGINS. */
  checkoutOrigins: readonly string[];
  /** How long a create call may take; an attempt left STARTING longer than this was lost. */
  payramTimeoutMs: number;
}

export interface CheckoutInput {
  cartId: string | undefined;
  /** The submitted form, as-is: parsed here. */
  form: Record<string, unknown>;
}

export type CheckoutResult =
  /** Send the shopper to `redirectTo` (PayRam's page, or the order's status page when already paid). */
  | { ok: true; orderId: string; redirectTo: string }
  | {
      ok: false;
      error: string;
      fieldErrors?: FieldErrors;
      /** The page must be rendered again (new token, new prices) before the shopper can pay. */
      reload?: boolean;
    };

export type PayResult =
  | { ok: true; orderId: string; redirectTo: string }
  | { ok: false; orderId: string; error: string };

export async function startCheckout(deps: CheckoutDeps, input: CheckoutInput): Promise<CheckoutResult> {
  const form = checkoutFormSchema.safeParse(input.form);
  if (!form.success) {
    return { ok: false, error: "Please correct the highlighted fields.", fieldErrors: fieldErrorsOf(form.error) };
  }
  const { token, email } = form.data;

  const cart = await getCart(deps.db, input.cartId);

  // A token that already made an order (double click, back button, second tab) resumes it.
  const existing = await findOrderByCheckoutToken(deps.db, token);
  if (existing) return afterPayment(deps, await payForOrder(deps, existing), cart, token);

  const priced = priceCart(cart);
  if (!priced.ok) return { ok: false, error: priced.error, reload: true };
  const verdict = verifyCheckoutToken(deps.sessionSecret, token, cart);
  if (verdict === "forged") {
    return { ok: false, error: "This checkout page has expired. We refreshed it: please check your order and pay again.", reload: true };
  }
  if (verdict === "cart_changed") {
    return { ok: false, error: "Your cart changed since this page was loaded. Please check the new total and pay again.", reload: true };
  }

  let shipping = null;
  if (priced.ships) {
    const address = shippingSchema.safeParse(input.form);
    if (!address.success) {
      return { ok: false, error: "Please enter where we should ship your order.", fieldErrors: fieldErrorsOf(address.error) };
    }
    shipping = toShippingAddress(address.data);
  }

  let order: Order;
  try {
    order = await createOrder(deps.db, { checkoutToken: token, email, shipping, lines: priced.lines, totalCents: priced.totalCents });
  } catch (error) {
    // The same token submitted twice at once: the other request made the order.
    if (!isUniqueViolation(error)) throw error;
    const winner = await findOrderByCheckoutToken(deps.db, token);
    if (!winner) throw error;
    order = winner;
  }
  return afterPayment(deps, await payForOrder(deps, order), cart, token);
}

/** Empties the cart once its order's payment has started, unless it changed since (another tab). */
async function afterPayment(deps: CheckoutDeps, result: PayResult, cart: Cart, token: string): Promise<CheckoutResult> {
  if (!result.ok) return { ok: false, error: result.error };
  if (cart.id && verifyCheckoutToken(deps.sessionSecret, token, cart) === "valid") await clearCart(deps.db, cart.id);
  return result;
}

/**
 * Sends the shopper to pay for an order: to its open PayRam payment if it has one, else to a new
 * one. Used by the checkout and by "Pay again" on the status page.
 */
export async function payForOrder(deps: CheckoutDeps, order: Order): Promise<PayResult> {
  const statusPage = `/orders/${order.id}`;
  for (let round = 0; round < 3; round++) {
    if (order.paid_at) return { ok: true, orderId: order.id, redirectTo: statusPage };
    const open = await settledOpenAttempt(deps, order.id);
    if (open?.payment_url) return { ok: true, orderId: order.id, redirectTo: open.payment_url };
    if (open) continue; // still starting elsewhere and not yet given up on: look again

    const last = await latestAttempt(deps.db, order.id);
    if (last?.state === "CANCELLED" && (last.amount_received_cents ?? 0) > 0) {
      // Money arrived on the cancelled payment: the merchant sorts it out, not a new payment.
      return { ok: false, orderId: order.id, error: "Part of your payment arrived before it was cancelled. We will contact you to sort it out." };
    }
    const attempt = await insertAttempt(deps.db, order);
    if (!attempt) continue; // another request opened one first: use it
    return startPayment(deps, order, attempt);
  }
  return { ok: false, orderId: order.id, error: "Your payment is still being prepared. Please try again in a moment." };
}

async function findOpenAttempt(db: Db, orderId: string): Promise<PaymentAttempt | undefined> {
  return db
    .selectFrom("payment_attempts")
    .selectAll()
    .where("order_id", "=", orderId)
    .where("state", "in", OPEN_ATTEMPT_STATES)
    .executeTakeFirst();
}

/**
 * The order's open attempt once it has left STARTING. An attempt another request is still
 * starting is waited for; one left STARTING for longer than a create call may take was lost
 * (the process stopped mid-call) and is closed, so the order is not blocked forever.
 */
async function settledOpenAttempt(deps: CheckoutDeps, orderId: string): Promise<PaymentAttempt | undefined> {
  const lostAfterMs = deps.payramTimeoutMs + 5_000;
  const deadline = Date.now() + lostAfterMs;
  for (;;) {
    const open = await findOpenAttempt(deps.db, orderId);
    if (!open || open.state !== "STARTING") return open;
    if (Date.now() - Date.parse(open.created_at) > lostAfterMs) {
      await closeAttempt(deps.db, open, "START_FAILED", "the shop stopped before PayRam answered the payment request");
      return undefined;
    }
    if (Date.now() > deadline) return open;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function insertAttempt(db: Db, order: Order): Promise<PaymentAttempt | null> {
  try {
    return await db.transaction().execute(async (trx) => {
      const last = await trx
        .selectFrom("payment_attempts")
        .select((eb) => eb.fn.max("attempt_number").as("n"))
        .where("order_id", "=", order.id)
        .executeTakeFirst();
      const now = nowIso();
      const attempt = await trx
        .insertInto("payment_attempts")
        .values({
          id: randomUUID(),
          order_id: order.id,
          attempt_number: (last?.n ?? 0) + 1,
          state: "STARTING",
          reference_id: null,
          payment_url: null,
          amount_cents: order.total_cents,
          amount_received_cents: null,
          failure_reason: null,
          created_at: now,
          updated_at: now,
          closed_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordPaymentEvent(trx, attempt, {
        source: "checkout",
        from: null,
        to: "STARTING",
        note: `payment attempt ${attempt.attempt_number} for ${centsToDecimal(order.total_cents)} USD`,
        at: now,
      });
      return attempt;
    });
  } catch (error) {
    // The one-open-attempt index (or the attempt number) says another request got there first.
    if (isUniqueViolation(error)) return null;
    throw error;
  }
}

async function startPayment(deps: CheckoutDeps, order: Order, attempt: PaymentAttempt): Promise<PayResult> {
  let created;
  try {
    created = await deps.payram.createPayment({
      customerEmail: order.email,
      customerId: `order_${order.number}`,
      invoiceId: `${order.number}-${attempt.attempt_number}`,
      amountCents: attempt.amount_cents,
    });
  } catch (error) {
    if (!(error instanceof PayramError)) {
      await closeAttempt(deps.db, attempt, "START_FAILED", "the payment request failed unexpectedly");
      throw error;
    }
    await closeAttempt(deps.db, attempt, "START_FAILED", error.message);
    log.warn({ event: "checkout", order: order.number, attempt: attempt.attempt_number, failure: error.failure }, "payment could not be opened");
    return { ok: false, orderId: order.id, error: shopperMessage(error) };
  }

  log.info({ event: "checkout", order: order.number, attempt: attempt.attempt_number, reference: created.referenceId }, "payment opened");
  if (!isAllowedPaymentUrl(created.url, deps.checkoutOrigins)) {
    await closeAttempt(deps.db, attempt, "START_FAILED", `PayRam returned a payment page on an origin that is not allowed: ${safeOrigin(created.url)}`);
    return { ok: false, orderId: order.id, error: NOT_STARTED };
  }

  const now = nowIso();
  await deps.db.transaction().execute(async (trx) => {
    // A webhook may have outrun us (matched by invoice id): keep any state it applied.
    await trx
      .updateTable("payment_attempts")
      .set((eb) => ({
        state: eb.case().when("state", "=", "STARTING").then("OPEN" as AttemptState).else(eb.ref("state")).end(),
        reference_id: created.referenceId,
        payment_url: created.url,
        updated_at: now,
        next_sync_at: new Date(Date.now() + SYNC_BACKOFF.firstMs).toISOString(),
      }))
      .where("id", "=", attempt.id)
      .where("reference_id", "is", null)
      .execute();
    await recordPaymentEvent(trx, attempt, { source: "checkout", from: "STARTING", to: "OPEN", note: `PayRam reference ${created.referenceId}`, at: now });
  });
  return { ok: true, orderId: order.id, redirectTo: created.url };
}

async function closeAttempt(db: Db, attempt: PaymentAttempt, state: "START_FAILED", reason: string): Promise<void> {
  const now = nowIso();
  await db.transaction().execute(async (trx) => {
    const closed = await trx
      .updateTable("payment_attempts")
      .set({ state, failure_reason: reason, updated_at: now, closed_at: now })
      .where("id", "=", attempt.id)
      .where("state", "=", "STARTING")
      .executeTakeFirst();
    if (Number(closed.numUpdatedRows) === 0) return;
    await recordPaymentEvent(trx, attempt, { source: "checkout", from: "STARTING", to: state, note: reason, at: now });
  });
}

const NOT_STARTED =
  "The payment service could not start this payment. Nothing was charged and your cart is saved; please try again later.";

function shopperMessage(error: PayramError): string {
  switch (error.failure) {
    case "rate_limited":
      return "The payment service is busy right now. Nothing was charged and your cart is saved; please try again in a minute.";
    case "timeout":
    case "network":
    case "server":
    case "invalid_response":
      return "We could not reach the payment service. Nothing was charged and your cart is saved; please try again in a moment.";
    default:
      return NOT_STARTED;
  }
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(not a URL)";
  }
}

/** No open redirect: PayRam's page must be http(s) on an origin we trust. */
export function isAllowedPaymentUrl(url: string, origins: readonly string[]): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === "https:" || parsed.protocol === "http:") && origins.includes(parsed.origin);
  } catch {
    return false;
  }
}
