import { createHmac } from "node:crypto";
import { localeOr } from "../rules/locales";
import { clearCart, getCart, type Cart } from "../cart";
import { mailPaymentOpened } from "../notify/events";
import { describeShortfall, heldStock, shortfall, orderStockLines, RESERVATION_LIFETIME_MS, reservationEndsAt, reserveStock, type ShortLine } from "../catalog/stock";
import { isPostgres, isUniqueViolation, type Db } from "../db";
import { nowIso, type AttemptState, type EventSource, type Order, type PaymentAttempt } from "../db/schema";
import { log } from "../log";
import { centsToDecimal } from "../rules/money";
import { CartAlreadyOrdered, createOrder, OutOfStock, findCartOrder, findOrder, findOrderByCheckoutToken } from "../orders";
import type { PayramClient } from "../payram/client";
import { PayramError } from "../payram/errors";
import { customerIdFor, formatInvoiceId } from "../payram/ids";
import { checkoutFormSchema, fieldErrorsOf, shippingSchema, toShippingAddress, type FieldErrors } from "./form";
import { closeLostStart, closeStartingAttempt, newAttemptRow, orderAttempts, recordPaymentEvent, refreshOrderPayment, startLostAfterMs } from "../payments/attempts";
import { LEDGER_COLUMNS, verdictOf } from "../payments/ledger";
import { isOpen, isSyncable, nextPayment, OPEN_ATTEMPT_STATES } from "../rules/states";
import { SYNC_BACKOFF } from "../payments/sync";
import { cartDigest, signedDigest } from "./token";
import { hitRateLimit, LIMITS, minutesToWait } from "../security/rate-limit";
import { said, type Said } from "../i18n/said";
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
  /**
   * PAYRAM_BASE_URL: a payment page on localhost is PayRam's unset Site URL unless PayRam itself
   * is on localhost. Omitted: the first checkout origin (PAYRAM_BASE_URL's).
   */
  payramBaseUrl?: string;
  /** How long a create call may take; an attempt left STARTING longer than this was lost. */
  payramTimeoutMs: number;
  /** How long a PayRam payment stays open: sent as its `expire`. */
  paymentTtlMs: number;
  /** PAYRAM_CUSTOMER_PREFIX: PayRam's customer per order is `<prefix><order number>` ("order_" by default). */
  customerPrefix?: string;
}

export interface CheckoutInput {
  cartId: string | undefined;
  /** The client as rate limits know it (the action's guard): its unpaid orders share a stock cap. */
  client?: string;
  /** The submitted form, as-is: parsed here. */
  form: Record<string, unknown>;
  /** The shopper's language as the request settled it (one of lib/i18n/locales.ts; English otherwise). */
  locale?: string;
}

export type CheckoutResult =
  /** Send the shopper to `redirectTo` (PayRam's page, or the order's status page when already paid). */
  | { ok: true; orderId: string; redirectTo: string }
  | {
      ok: false;
      error: Said;
      fieldErrors?: FieldErrors;
      /** The page must be rendered again (new token, new prices) before the shopper can pay. */
      reload?: boolean;
    };

export type PayResult =
  | { ok: true; orderId: string; redirectTo: string }
  | { ok: false; orderId: string; error: Said };

export async function startCheckout(deps: CheckoutDeps, input: CheckoutInput): Promise<CheckoutResult> {
  const form = checkoutFormSchema.safeParse(input.form);
  if (!form.success) {
    return { ok: false, error: said("correctFields"), fieldErrors: fieldErrorsOf(form.error) };
  }
  const { token, email } = form.data;

  const cart = await getCart(deps.db, input.cartId);
  // Nothing is looked up by a token until it is known to belong to the submitting cart: a token
  // read off someone else's page must not lead to their order.
  const tokenDigest = signedDigest(deps.sessionSecret, token, cart.id);
  if (tokenDigest === null || !cart.id) {
    if (cart.lines.length === 0) return { ok: false, error: said("cartEmpty"), reload: true };
    return { ok: false, error: said("pageExpired"), reload: true };
  }

  // This cart's contents already made an order (double click, back button, a second tab, a
  // checkout page loaded while PayRam was still answering): resume it, never make another.
  const existing = (await findOrderByCheckoutToken(deps.db, token)) ?? (await findCartOrder(deps.db, cart.id, tokenDigest));
  if (existing) return afterPayment(deps, await payForOrder(deps, existing), cart, tokenDigest);

  const priced = priceCart(cart);
  if (!priced.ok) return { ok: false, error: priced.error, reload: true };
  if (tokenDigest !== cartDigest(cart)) {
    return { ok: false, error: said("cartChanged"), reload: true };
  }

  let shipping = null;
  if (priced.ships) {
    const address = shippingSchema.safeParse(input.form);
    if (!address.success) {
      return { ok: false, error: said("shippingMissing"), fieldErrors: fieldErrorsOf(address.error) };
    }
    shipping = toShippingAddress(address.data);
  }

  let order: Order;
  try {
    order = await createOrder(deps.db, {
      checkoutToken: token,
      cart: { id: cart.id, digest: tokenDigest },
      email,
      shipping,
      lines: priced.lines,
      totalCents: priced.totalCents,
      clientKey: input.client === undefined ? null : clientKeyOf(deps.sessionSecret, input.client),
      locale: localeOr(input.locale),
    });
  } catch (error) {
    // The last pieces went to another shopper meanwhile: nothing was recorded, the cart is kept.
    if (error instanceof OutOfStock) return { ok: false, error: said("shortCartSaved", { short: shortfall(error.short) }), reload: true };
    // Another submit of this cart (same token or another tab's) made the order first: use it.
    if (!isUniqueViolation(error) && !(error instanceof CartAlreadyOrdered)) throw error;
    const winner = (await findOrderByCheckoutToken(deps.db, token)) ?? (await findCartOrder(deps.db, cart.id, tokenDigest));
    if (!winner) return { ok: false, error: said("cartChangedWhilePaying"), reload: true };
    order = winner;
  }
  return afterPayment(deps, await payForOrder(deps, order), cart, tokenDigest);
}

/** What an order keeps of its client: a keyed hash, enough to tell two orders of one client apart from others, not the address. */
export function clientKeyOf(sessionSecret: string, client: string): string {
  return createHmac("sha256", sessionSecret).update(`stock-client:${client}`).digest("base64url").slice(0, 32);
}

/**
 * Empties the cart once its order's payment has started, unless it changed since (another tab).
 * The cart keeps its link to the order: a checkout page of the old contents still leads there.
 */
async function afterPayment(deps: CheckoutDeps, result: PayResult, cart: Cart, digest: string): Promise<CheckoutResult> {
  if (!result.ok) return { ok: false, error: result.error };
  const now = await getCart(deps.db, cart.id ?? undefined);
  if (now.id && now.lines.length > 0 && digest === cartDigest(now)) await clearCart(deps.db, now.id);
  return result;
}

/**
 * Sends the shopper to pay for an order: to its open PayRam payment if it has one, else to a new
 * one. Used by the checkout and by "Pay again" on the status page. A request that finds another
 * request's payment still starting waits for it and answers with its outcome: it never opens a
 * payment of its own (that would be "retrying the create after a time-out": each new create
 * cancels the one before at PayRam).
 */
export async function payForOrder(deps: CheckoutDeps, order: Order): Promise<PayResult> {
  if (order.paid_at) return { ok: true, orderId: order.id, redirectTo: `/orders/${order.id}` };
  const open = await findOpenAttempt(deps.db, order.id);
  if (open && !(open.state === "STARTING" && (await closeIfLost(deps, open, "checkout")))) {
    return outcomeOf(order, open.state === "STARTING" ? await waitForStart(deps, open) : open);
  }

  // Looked at before the limit is counted (a refusal costs nothing), and decided again below with
  // the order locked: a payment that arrives in between changes the amount, or whether to open one.
  const refusal = refusalOf(order, await orderAttempts(deps.db, order.id));
  if (refusal) return (await joinOpenAttempt(deps, order)) ?? refusal;
  // Each new PayRam payment cancels the order's previous one: a burst of them is abuse, not a shopper.
  const limited = await hitRateLimit(deps.db, LIMITS.paymentsPerOrder, order.id);
  if (!limited.allowed) {
    return { ok: false, orderId: order.id, error: said("orderRateLimited", { minutes: minutesToWait(limited) }) };
  }
  const attempt = await insertAttempt(deps.db, order);
  if (attempt === "lifetime") {
    const paid = (await findOrder(deps.db, order.id))?.received_cents ?? 0;
    return {
      ok: false,
      orderId: order.id,
      error: said("lifetimeOver", { hours: RESERVATION_LIFETIME_MS / 3_600_000, paid: paid > 0 ? "yes" : "no" }),
    };
  }
  if (attempt !== null && typeof attempt === "object" && "short" in attempt) {
    return { ok: false, orderId: order.id, error: said("shortNoPayAgain", { short: shortfall(attempt.short) }) };
  }
  if (attempt === null || attempt === "refused") {
    const joined = await joinOpenAttempt(deps, order);
    if (joined) return joined;
    return (attempt === "refused" ? refusalOf((await findOrder(deps.db, order.id)) ?? order, await orderAttempts(deps.db, order.id)) : null) ?? STILL_PREPARING(order);
  }
  return startPayment(deps, order, attempt);
}

/** Another request opened a payment first (two clicks, two tabs): its outcome is ours. Null if none is open. */
async function joinOpenAttempt(deps: CheckoutDeps, order: Order): Promise<PayResult | null> {
  const other = await findOpenAttempt(deps.db, order.id);
  return other ? outcomeOf(order, other.state === "STARTING" ? await waitForStart(deps, other) : other) : null;
}

/**
 * Why no new payment may be opened for an order now (nextPayment's rule), or null if one may. An
 * open payment is not a refusal: the caller sends the shopper to it.
 */
function refusalOf(order: Order, attempts: readonly PaymentAttempt[]): PayResult | null {
  if (nextPayment(order, attempts, verdictOf(order, attempts)) !== null) return null;
  if (order.paid_at !== null) return { ok: true, orderId: order.id, redirectTo: `/orders/${order.id}` };
  if (order.cancelled_at !== null) return { ok: false, orderId: order.id, error: said("shopCancelled") };
  const error = attempts.some((attempt) => isOpen(attempt.state))
    ? said("paymentOnItsWay")
    : said("shopChecking");
  return { ok: false, orderId: order.id, error };
}

const STILL_PREPARING = (order: Order): PayResult => ({
  ok: false,
  orderId: order.id,
  error: said("stillPreparing"),
});

/** What a request that waited on an attempt tells its shopper. */
function outcomeOf(order: Order, attempt: PaymentAttempt): PayResult {
  if (attempt.state === "STARTING") return STILL_PREPARING(order);
  if (attempt.state === "START_FAILED") return { ok: false, orderId: order.id, error: COULD_NOT_START };
  // Open: back to PayRam's page. Settled meanwhile: the status page says how.
  return { ok: true, orderId: order.id, redirectTo: isSyncable(attempt.state) && attempt.payment_url ? attempt.payment_url : `/orders/${order.id}` };
}

async function findOpenAttempt(db: Db, orderId: string): Promise<PaymentAttempt | undefined> {
  return db
    .selectFrom("payment_attempts")
    .selectAll()
    .where("order_id", "=", orderId)
    .where("origin", "=", "checkout")
    .where("state", "in", OPEN_ATTEMPT_STATES)
    .executeTakeFirst();
}

/** How often a submit waiting on another request's create looks at its attempt again. */
const START_WAIT_POLL_MS = 200;

/** Waits (a create call's time-out at most) until another request's attempt has left STARTING. */
async function waitForStart(deps: CheckoutDeps, attempt: PaymentAttempt): Promise<PaymentAttempt> {
  const deadline = Date.parse(attempt.created_at) + startLostAfterMs(deps.payramTimeoutMs);
  for (;;) {
    const now = await deps.db.selectFrom("payment_attempts").selectAll().where("id", "=", attempt.id).executeTakeFirstOrThrow();
    if (now.state !== "STARTING" || Date.now() > deadline) return now;
    await new Promise((resolve) => setTimeout(resolve, START_WAIT_POLL_MS));
  }
}

/**
 * An attempt left STARTING for longer than a create call may take was lost (the process stopped
 * mid-call): it is closed and flagged, so the order is not blocked forever. True if it was.
 */
async function closeIfLost(deps: CheckoutDeps, attempt: PaymentAttempt, source: EventSource): Promise<boolean> {
  if (Date.now() - Date.parse(attempt.created_at) <= startLostAfterMs(deps.payramTimeoutMs)) return false;
  await closeLostStart(deps.db, attempt, source);
  return true;
}

/**
 * Records a new attempt, for the amount nextPayment decides with the order's row locked (the sync
 * locks it too before it credits a payment): the total, or what is left after a cancelled payment
 * that received part. Null: another request opened one first; "refused": no payment may be opened;
 * `short`: the order's stock was released and is gone (or a cap refused it); "lifetime": the
 * order's reservation lifetime is over (RESERVATION_LIFETIME_MS).
 */
async function insertAttempt(db: Db, order: Order): Promise<PaymentAttempt | "refused" | "lifetime" | { short: ShortLine[] } | null> {
  try {
    return await db.transaction().execute(async (trx) => {
      const locked = await trx.selectFrom("orders").select(["paid_at", "cancelled_at", "total_cents", "email", "client_key"]).where("id", "=", order.id).$if(isPostgres(db), (qb) => qb.forUpdate()).executeTakeFirstOrThrow();
      const attempts = await trx.selectFrom("payment_attempts").select(["attempt_number", ...LEDGER_COLUMNS]).where("order_id", "=", order.id).execute();
      const next = nextPayment(locked, attempts, verdictOf(locked, attempts));
      if (!next) return "refused" as const;
      const now = nowIso();
      // "Pay again" after the order's stock was released (its payment expired or failed): it
      // must hold its items again before the shopper is sent to pay.
      const held = await heldStock(trx, order.id);
      if (held.everHeld && ((await reservationEndsAt(trx, order.id)) ?? Infinity) <= Date.now()) return "lifetime" as const;
      if (held.everHeld && !held.holding) {
        const short = await reserveStock(trx, order.id, await orderStockLines(trx, order.id), now, { email: locked.email, clientKey: locked.client_key });
        if (short.length > 0) return { short };
      }
      const attempt = await trx
        .insertInto("payment_attempts")
        .values(await newAttemptRow(trx, order.id, { origin: "checkout", state: "STARTING", reference_id: null, amount_cents: next.amountCents }, now))
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordPaymentEvent(trx, attempt, {
        source: "checkout",
        from: null,
        to: "STARTING",
        note: `payment attempt ${attempt.attempt_number} for ${centsToDecimal(next.amountCents)} USD${next.kind === "remaining" ? ` (the rest of ${centsToDecimal(locked.total_cents)} USD)` : ""}`,
        at: now,
      });
      await refreshOrderPayment(trx, order.id);
      return attempt;
    });
  } catch (error) {
    // The one-open-attempt index (or the attempt number) says another request got there first.
    if (isUniqueViolation(error)) return null;
    throw error;
  }
}

async function startPayment(deps: CheckoutDeps, order: Order, attempt: PaymentAttempt): Promise<PayResult> {
  // Never past the end of the order's reservation lifetime: the payment is what holds the stock.
  const expiresAt = new Date(Math.min(Date.now() + deps.paymentTtlMs, (await reservationEndsAt(deps.db, order.id)) ?? Infinity));
  let created;
  try {
    created = await deps.payram.createPayment({
      customerEmail: order.email,
      customerId: customerIdFor(order.number, deps.customerPrefix),
      invoiceId: formatInvoiceId({ orderNumber: order.number, attemptNumber: attempt.attempt_number }),
      amountCents: attempt.amount_cents,
      expiresAt,
    });
  } catch (error) {
    if (!(error instanceof PayramError)) {
      await closeStartingAttempt(deps.db, attempt, "checkout", "the payment request failed unexpectedly");
      throw error;
    }
    await closeStartingAttempt(deps.db, attempt, "checkout", error.message);
    log.warn({ event: "checkout", order: order.number, attempt: attempt.attempt_number, failure: error.failure }, "payment could not be opened");
    return { ok: false, orderId: order.id, error: shopperMessage(error) };
  }

  log.info({ event: "checkout", order: order.number, attempt: attempt.attempt_number, reference: created.referenceId }, "payment opened");
  const payramBaseUrl = deps.payramBaseUrl ?? deps.checkoutOrigins[0] ?? "";
  if (isLoopbackUrl(created.url) && !isLoopbackUrl(payramBaseUrl)) {
    // PayRam builds its links from its "Site URL" setting, and from localhost when it is unset
    // (contract §8): a setup error to name, not a page to send the shopper to.
    const origin = safeOrigin(created.url);
    const reason = `PayRam returned a payment page on ${origin}: PayRam's Site URL setting is not set (PAYRAM_BASE_URL is ${safeOrigin(payramBaseUrl)})`;
    await closeStartingAttempt(deps.db, attempt, "checkout", reason, `${reason}. Set the Site URL in PayRam's settings to its public address; no shopper can pay until then.`);
    log.error(
      { event: "checkout", order: order.number, attempt: attempt.attempt_number, reference: created.referenceId, paymentOrigin: origin, payramOrigin: safeOrigin(payramBaseUrl) },
      "PayRam's payment page is on localhost: set the Site URL in PayRam's settings to its public address",
    );
    return { ok: false, orderId: order.id, error: SETUP_ERROR };
  }
  if (!isAllowedPaymentUrl(created.url, deps.checkoutOrigins)) {
    await closeStartingAttempt(deps.db, attempt, "checkout", `PayRam returned a payment page on an origin that is not allowed: ${safeOrigin(created.url)}`);
    return { ok: false, orderId: order.id, error: NOT_STARTED };
  }

  const now = nowIso();
  const open = () => deps.db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom("payment_attempts").select(["state", "reference_id"]).where("id", "=", attempt.id).executeTakeFirstOrThrow();
    // Given up on meanwhile (PayRam answered after its time-out and the margin): the payment
    // exists all the same, so the attempt opens again — unless another payment of the order is
    // open by now, which the merchant must hear of.
    const reopen = current.state === "START_FAILED";
    if (reopen) {
      const other = await trx.selectFrom("payment_attempts").select("id").where("order_id", "=", order.id).where("origin", "=", "checkout").where("state", "in", OPEN_ATTEMPT_STATES).executeTakeFirst();
      if (other) {
        await trx
          .insertInto("attention_items")
          .values({ order_id: order.id, attempt_id: attempt.id, kind: "start_failed", detail: `PayRam opened ${created.referenceId} after the shop had given up on it, while another payment was open: PayRam may hold two`, created_at: now, resolved_at: null, resolution_note: null })
          .onConflict((oc) => oc.columns(["attempt_id", "kind"]).doNothing())
          .execute();
        return false;
      }
      // Giving up released the order's stock: it must hold its items again before the shopper is
      // sent to pay, or the payment is left to expire (PayRam has no cancel) and the merchant told.
      const held = await heldStock(trx, order.id);
      const short = held.everHeld && !held.holding ? await reserveStock(trx, order.id, await orderStockLines(trx, order.id), now) : [];
      if (short.length > 0) {
        await trx
          .insertInto("attention_items")
          .values({ order_id: order.id, attempt_id: attempt.id, kind: "start_failed", detail: `PayRam opened ${created.referenceId} after the shop had given up on it, and the order's stock is gone by then (${describeShortfall(short)}): the shopper was not sent to pay it, and it is left to expire`, created_at: now, resolved_at: null, resolution_note: null })
          .onConflict((oc) => oc.columns(["attempt_id", "kind"]).doNothing())
          .execute();
        return false;
      }
    }
    // A webhook may have outrun us (matched by invoice id): keep any state it applied.
    const updated = await trx
      .updateTable("payment_attempts")
      .set((eb) => ({
        state: eb.case().when("state", "in", ["STARTING", "START_FAILED"]).then("OPEN" as AttemptState).else(eb.ref("state")).end(),
        reference_id: created.referenceId,
        payment_url: created.url,
        expires_at: expiresAt.toISOString(),
        failure_reason: null,
        closed_at: null,
        updated_at: now,
        next_sync_at: new Date(Date.now() + SYNC_BACKOFF.firstMs).toISOString(),
      }))
      .where("id", "=", attempt.id)
      .where("reference_id", "is", null)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) {
      // Not ours to open after all: stock taken back above for a reopening is released again.
      if (reopen) await refreshOrderPayment(trx, order.id);
      return false;
    }
    await recordPaymentEvent(trx, attempt, { source: "checkout", from: reopen ? "START_FAILED" : "STARTING", to: "OPEN", note: `PayRam reference ${created.referenceId}`, at: now });
    await refreshOrderPayment(trx, order.id);
    await mailPaymentOpened(trx, order, attempt, created.url);
    return true;
  });
  // Reopening raced another request's new attempt: the one-open-attempt index refused it.
  const opened = await open().catch((error: unknown) => (isUniqueViolation(error) ? false : Promise.reject(error)));
  if (!opened) return outcomeOf(order, (await findOpenAttempt(deps.db, order.id)) ?? { ...attempt, state: "START_FAILED" });
  return { ok: true, orderId: order.id, redirectTo: created.url };
}

const NOT_STARTED = said("notStarted");

/** PayRam is not set up to take payments (its Site URL is unset): nothing the shopper can fix by retrying. */
const SETUP_ERROR = said("setupError");

/** To a request that waited on another request's attempt, which failed to start. */
const COULD_NOT_START = said("couldNotStart");

function shopperMessage(error: PayramError): Said {
  switch (error.failure) {
    case "rate_limited":
      return said("serviceBusy");
    case "timeout":
    case "network":
    case "server":
    case "invalid_response":
      return said("serviceUnreachable");
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

/** Hosts that only ever mean "this machine": never a page a shopper's browser can reach on PayRam. */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "0.0.0.0", "[::]"]);

function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.toLowerCase();
    return LOOPBACK_HOSTS.has(host) || host.endsWith(".localhost") || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

/** No open redirect: PayRam's page must be http(s) on an origin we trust. */
function isAllowedPaymentUrl(url: string, origins: readonly string[]): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === "https:" || parsed.protocol === "http:") && origins.includes(parsed.origin);
  } catch {
    return false;
  }
}
