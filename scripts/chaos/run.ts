import type { ProfileName } from "../../emulator/runtime-config";
import { startEmulator, type Emulator } from "../../emulator/server";
import { addToCart, getCart } from "../../lib/cart";
import { productIdOf, seedCatalog, setStock } from "../../lib/catalog";
import { CATALOG } from "../../lib/catalog/products";
import { createDb, migrate, type Db } from "../../lib/db";
import { centsToDecimal, parseCents } from "../../lib/rules/money";
import { latestAttempt } from "../../lib/payments/attempts";
import { payForOrder, startCheckout, type CheckoutDeps } from "../../lib/checkout/checkout";
import { issueCheckoutToken } from "../../lib/checkout/token";
import { sweepAllOpen } from "../../lib/payments/sweep";
import { createPayramClient } from "../../lib/payram/client";
import { defer, mark, unwind } from "./cleanup";
import { checkStock, checkWebhookRecords, compare, type Mismatch, type PayramPayment, type ShopSnapshot, type StockSnapshot } from "./compare";
import { createPostgresDatabase, createSqliteDatabase } from "./database";
import { depositCents, depositValueCents, FATES, limitedStock, makePlan, phaseCount, type Action, type Fate, type PaymentState, type PlannedOrder } from "./plan";
import { startApp, waitFor, type AppInstance } from "./processes";
import { seededRandom } from "./random";
import { deliveryStats, errorLines, type RunReport } from "./report";
import { inWords } from "../../lib/i18n/messages";

/**
 * One chaos run on one database: the emulator in this process, N production app servers on the
 * same database taking its webhooks in turn, orders placed through the checkout function,
 * settled at the emulator through faults, then drained, swept and compared.
 */

const API_KEY = "chaos-emulator-key-0123";
const SESSION_SECRET = "chaos-session-secret-0123456789abcdef";
const ADMIN_PASSWORD = "chaos-admin-password";
const ADMIN_EMAIL = "chaos-owner@shop.localhost";
const PAYRAM_TIMEOUT_MS = 5_000;
/** PAYRAM_CUSTOMER_PREFIX, the same for the servers and the harness's own checkout and sweep. */
const CUSTOMER_PREFIX = "order_";

/** The webhook faults (emulator `faults.webhooks`): a dropped attempt is retried, a lost delivery never arrives. */
const WEBHOOK_FAULTS = { dropRate: 0.15, lostRate: 0.15, duplicateRate: 0.2, reorderRate: 0.15, reorderMaxHoldMs: 300, delayRate: 0.15, delayMs: 150 };
const RETRY_SCHEDULE_MS = [0, 50, 100, 200];
/**
 * The emulator's clock runs this much faster: connector-2026's minute of confirmations with a
 * delivery every 3 s takes 300 ms with one every 15 ms. The retry schedule is given unscaled.
 */
const TIME_SCALE = 0.005;
/** Status-endpoint errors at this rate; the mode changes with each settlement phase. */
const STATUS_FAULT_RATE = 0.1;
const STATUS_FAULT_MODES = ["500", "code5", "502"] as const;
const CHECKOUT_CONCURRENCY = 4;
/**
 * The product of limited stock: in this share of the orders (1–3 pieces each), with this share of
 * the pieces they want in stock, so that the last pieces are raced for and some checkouts are
 * refused as sold out. The other products are not tracked.
 */
const LIMITED = { slug: "ceramic-pour-over", share: 0.4, stockShare: 0.6 };
/** What the cart and the checkout tell a shopper who wants more than is left ("… is sold out.", "Only 2 of … are left."). */
const SOLD_OUT = /\bis sold out\b|\bonly \d+ of\b/i;
const SWEEP_ROUNDS = 10;

export const FAULTS_DESCRIPTION =
  `webhook attempts dropped ${pct(WEBHOOK_FAULTS.dropRate)}, deliveries lost ${pct(WEBHOOK_FAULTS.lostRate)}, duplicated ${pct(WEBHOOK_FAULTS.duplicateRate)}, ` +
  `reordered ${pct(WEBHOOK_FAULTS.reorderRate)} (held ≤ ${WEBHOOK_FAULTS.reorderMaxHoldMs} ms), delayed ${pct(WEBHOOK_FAULTS.delayRate)} (${WEBHOOK_FAULTS.delayMs} ms); ` +
  `retries after [${RETRY_SCHEDULE_MS.join(", ")}] ms; status errors ${pct(STATUS_FAULT_RATE)} (${STATUS_FAULT_MODES.join(", then ")}, by phase; still on for the sweep)`;

function pct(rate: number) {
  return `${Math.round(rate * 100)}%`;
}

export interface RunOptions {
  database: "postgres" | "sqlite";
  postgresUrl: string;
  orders: number;
  seed: number;
  instances: number;
  /** Settlement waits while this many webhook deliveries (in flight, held, delayed or awaiting a retry) are pending. */
  backlog: number;
  verbose: boolean;
  skipSweep?: boolean;
  /** The emulator's profile (default docs-2026). */
  profile?: ProfileName;
}

export interface RunOutcome {
  report: RunReport | null;
  /** The app servers' last lines, for a failed run. */
  appOutput: { name: string; lines: string[] }[];
  error: unknown;
}

const ADDRESS = {
  shippingName: "Chaos Tester",
  shippingLine1: "1 Fault Street",
  shippingCity: "Lisbon",
  shippingPostalCode: "1000-001",
  shippingCountry: "Portugal",
};

interface Tracked {
  plan: PlannedOrder;
  orderId: string;
  number: number;
  /** The order's current PayRam payment (a "pay again" replaces it). */
  referenceId: string;
  amountCents: number;
  /** "Pay again" was refused as sold out: the order stays cancelled, the rest of its plan is not played. */
  soldOutOnPayAgain?: boolean;
}

/** Checkouts refused for the stock: when the cart was filled, by the checkout's reservation, by "Pay again". */
export interface SoldOutCounts {
  atCart: number;
  atCheckout: number;
  payAgain: number;
  /** The refused orders' emails: no order may carry one. */
  emails: string[];
}

export async function runChaos(options: RunOptions): Promise<RunOutcome> {
  const startedAt = Date.now();
  const timings: [string, number][] = [];
  let lap = Date.now();
  const time = (label: string) => {
    const now = Date.now();
    timings.push([label, now - lap]);
    lap = now;
  };
  const undoTo = mark();
  let apps: AppInstance[] = [];
  const outcome: RunOutcome = { report: null, appOutput: [], error: null };

  try {
    const database = options.database === "postgres" ? await createPostgresDatabase(options.postgresUrl) : createSqliteDatabase();
    defer(`drop the ${database.label}`, database.drop);
    console.log(`\n[${options.database}] ${database.label}`);
    const db = createDb(database.config, { poolSize: 8 });
    defer("close the database handle", () => db.destroy());
    await migrate(db);
    await seedCatalog(db);

    const emulator = await startEmulator({
      port: 0,
      apiKey: API_KEY,
      webhookUrls: [],
      log: false,
      profile: options.profile ?? "docs-2026",
      config: {
        timeScale: TIME_SCALE,
        webhooks: { retryScheduleMs: RETRY_SCHEDULE_MS.map((ms) => Math.round(ms / TIME_SCALE)), timeoutMs: 10_000 },
        faults: { seed: options.seed, webhooks: WEBHOOK_FAULTS, status: statusFault(0) },
      },
    });
    defer("close the emulator", () => emulator.close());

    const count = options.database === "postgres" ? options.instances : 1;
    const env = { DATABASE_URL: database.url, PAYRAM_BASE_URL: emulator.url, PAYRAM_API_KEY: API_KEY, PAYRAM_CUSTOMER_PREFIX: CUSTOMER_PREFIX, SESSION_SECRET, ADMIN_EMAIL, ADMIN_PASSWORD };
    const started = await Promise.allSettled(
      Array.from({ length: count }, (_, i) => startApp(`app${i + 1}`, env, { verbose: options.verbose, timeoutMs: 60_000 })),
    );
    for (const result of started) {
      if (result.status === "fulfilled") {
        apps.push(result.value);
        defer(`stop ${result.value.name}`, () => result.value.stop());
      }
    }
    const failedStart = started.find((result) => result.status === "rejected");
    if (failedStart) throw failedStart.reason;
    apps = apps.sort((a, b) => a.name.localeCompare(b.name));
    const set = emulator.setConfig({ webhooks: { urls: apps.map((app) => `${app.url}/api/webhook`) } });
    if (!set.ok) throw new Error(`emulator config: ${set.error}`);
    console.log(`[${options.database}] ${apps.map((app) => `${app.name} ${app.url}`).join(", ")}; emulator ${emulator.url}`);
    time("servers");

    const payram = createPayramClient({ baseUrl: emulator.url, apiKey: API_KEY, timeoutMs: PAYRAM_TIMEOUT_MS });
    const checkoutDeps: CheckoutDeps = {
      db,
      payram,
      sessionSecret: SESSION_SECRET,
      checkoutOrigins: [new URL(emulator.publicUrl).origin],
      payramTimeoutMs: PAYRAM_TIMEOUT_MS,
      paymentTtlMs: 60 * 60_000,
      customerPrefix: CUSTOMER_PREFIX,
    };
    const plan = makePlan({ orders: options.orders, seed: options.seed, products: CATALOG.map((product) => product.slug), limited: LIMITED });
    const limitedId = await productIdOf(db, LIMITED.slug);
    const initialStock = limitedStock(plan, LIMITED.slug, LIMITED.stockShare);
    await setStock(db, limitedId, initialStock);
    const limitedName = CATALOG.find((product) => product.slug === LIMITED.slug)!.name;
    const extraMismatches: Mismatch[] = [];
    const doubleSubmits = { tried: 0, resumed: 0 };
    const payAgain = { tried: 0, opened: 0 };
    const soldOut: SoldOutCounts = { atCart: 0, atCheckout: 0, payAgain: 0, emails: [] };
    const problems: string[] = [];
    const shop: Shop = { db, deps: checkoutDeps, limitedName, doubleSubmits, soldOut, mismatches: extraMismatches };

    // 1. Orders, through the checkout function. Half the shoppers filled their carts before any
    // checkout began (the stock was all there): their shortfalls are the checkout's to find.
    const carts = new Map<number, string>();
    for (const order of plan.filter((order) => order.earlyCart)) {
      const cartId = await fillCart(shop, order);
      if (cartId) carts.set(order.index, cartId);
    }
    const tracked: Tracked[] = [];
    await inPool(plan, CHECKOUT_CONCURRENCY, async (order) => {
      if (order.earlyCart && !carts.has(order.index)) return; // refused at the cart already
      const cartId = carts.get(order.index) ?? (await fillCart(shop, order));
      if (!cartId) return;
      const placed = await placeOrder(shop, order, cartId);
      if (placed) tracked.push(placed);
    });
    tracked.sort((a, b) => a.plan.index - b.plan.index);
    console.log(
      `[${options.database}] ${tracked.length} orders placed (#${Math.min(...tracked.map((t) => t.number))}–#${Math.max(...tracked.map((t) => t.number))}); ` +
        `${limitedName}: ${initialStock} in stock, ${soldOut.atCart + soldOut.atCheckout} checkouts sold out`,
    );
    time("checkout");

    // 2. Settlement at the emulator, phase by phase, with backpressure on the webhook backlog.
    const shuffle = seededRandom(options.seed ^ 0x5eed);
    const openPayments = () => emulator.payments().filter((payment) => payment.state === "OPEN" || payment.state === "PARTIALLY_FILLED").length;
    // pendingWork() also counts one expiry timer per open payment: what is left is webhook work.
    const webhookBacklog = () => Math.max(0, emulator.pendingWork() - openPayments());
    const phases = phaseCount(plan);
    for (let phase = 0; phase < phases; phase++) {
      // Phases are far apart: the previous phase's deposits have confirmed (a no-op without confirmations).
      await waitFor("the deposits to confirm", () => emulator.payments().every((payment) => payment.confirming.length === 0), { timeoutMs: 30_000, intervalMs: 10 });
      const set = emulator.setConfig({ faults: { status: statusFault(phase) } });
      if (!set.ok) throw new Error(`emulator config: ${set.error}`);
      const due = shuffle.shuffle(tracked.filter((order) => FATES[order.plan.fate].phases[phase] !== undefined));
      for (const order of due) {
        await waitFor(`the webhook backlog to fall below ${options.backlog}`, () => webhookBacklog() < options.backlog, { timeoutMs: 30_000, intervalMs: 5 });
        for (const action of FATES[order.plan.fate].phases[phase] ?? []) {
          if (order.soldOutOnPayAgain) break;
          await act(action, order, { emulator, db, checkoutDeps, apps, payAgain, soldOut, limitedName, extraMismatches, problems });
        }
      }
    }
    time("settle");

    // 3. Let the webhooks (and their retries) finish.
    let quiet = 0;
    try {
      await waitFor("the emulator's webhook work to drain", () => (webhookBacklog() === 0 ? ++quiet >= 2 : ((quiet = 0), false)), { timeoutMs: 60_000, intervalMs: 20 });
    } catch (error) {
      problems.push(`${error instanceof Error ? error.message : String(error)} (${webhookBacklog()} pending)`);
    }
    time("drain");
    const behindBeforeSweep = compare(await snapshot(db), payramPayments(emulator)).stateMismatches;

    // 4. The sweep, through the library, until it reports no failure (status faults stay on).
    const sweep = { rounds: 0, checked: 0, changed: 0, failed: 0 };
    for (let round = 1; round <= (options.skipSweep ? 0 : SWEEP_ROUNDS); round++) {
      const result = await sweepAllOpen({ db, payram, customerPrefix: CUSTOMER_PREFIX });
      sweep.rounds = round;
      sweep.checked += result.checked;
      sweep.changed += result.changed;
      sweep.failed += result.failed;
      if (result.failed === 0) break;
      if (round === SWEEP_ROUNDS) problems.push(`the sweep still had ${result.failed} failures after ${SWEEP_ROUNDS} rounds`);
    }
    time("sweep");

    // 5. The verdict.
    // An order whose "Pay again" was refused as sold out ends where a cancelled one does.
    const fates = new Map(tracked.map((order) => [order.orderId, order.soldOutOnPayAgain ? ("cancelled" as Fate) : order.plan.fate]));
    const topUpAsNewReference = emulator.config().api.topUp === "new-reference";
    const final = await snapshot(db);
    const comparison = compare(final, payramPayments(emulator), fates, { topUpAsNewReference });
    comparison.mismatches.push(...extraMismatches);
    const stockState = await stockSnapshot(db, { productId: limitedId, name: limitedName, initial: initialStock, soldOutEmails: soldOut.emails });
    const { mismatches: stockMismatches, ...stockFigures } = checkStock(final, stockState);
    comparison.mismatches.push(...stockMismatches);
    const verdicts = Object.fromEntries(
      (
        await db
          .selectFrom("webhook_deliveries")
          // A throttled row counts every copy of its claim.
          .select((eb) => ["verdict", eb.fn.sum<number>("copies").as("n")])
          .groupBy("verdict")
          .execute()
      ).map((row) => [row.verdict, Number(row.n)]),
    );
    const log = emulator.deliveries();
    const deliveries = deliveryStats(log);
    if (!deliveries.truncated) comparison.mismatches.push(...checkWebhookRecords(verdicts, deliveries.answered));
    time("compare");

    outcome.report = {
      database: options.database,
      profile: emulator.config().profile,
      readings: {
        topUps: emulator.payments().filter((payment) => payment.topUpOf !== null).length,
        progressDeliveries: deliveries.progress,
        silentCancellations: log.filter((entry) => entry.outcome === "skipped" && entry.status === "CANCELLED").length,
      },
      instances: apps.map((app) => app.url),
      orders: tracked.length,
      seed: options.seed,
      backlog: options.backlog,
      faults: FAULTS_DESCRIPTION,
      comparison,
      behindBeforeSweep,
      sweep,
      deliveries,
      verdicts,
      doubleSubmits,
      payAgain,
      stock: {
        product: limitedName,
        initial: initialStock,
        final: stockState.final,
        wantedBy: plan.filter((order) => order.lines.some(([slug]) => slug === LIMITED.slug)).length,
        soldOut: { atCart: soldOut.atCart, atCheckout: soldOut.atCheckout, payAgain: soldOut.payAgain },
        check: stockFigures,
      },
      problems,
      serverErrors: [],
      timings,
      durationMs: 0,
    };
  } catch (error) {
    outcome.error = error;
  } finally {
    outcome.appOutput = apps.map((app) => ({ name: app.name, lines: app.output() }));
    if (outcome.report) outcome.report.serverErrors = outcome.appOutput.flatMap((app) => errorLines(app.lines).map((line) => `[${app.name}] ${line}`));
    await unwind(undoTo);
    time("stop");
    if (outcome.report) outcome.report.durationMs = Date.now() - startedAt;
  }
  return outcome;
}

function statusFault(phase: number) {
  return { mode: STATUS_FAULT_MODES[phase % STATUS_FAULT_MODES.length]!, rate: STATUS_FAULT_RATE, count: null, latencyMs: 0 };
}

/** Runs `work` over `items`, `size` at a time; stops taking new items after a failure and rethrows it. */
async function inPool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
}

/** What placing an order needs and counts. */
interface Shop {
  db: Db;
  deps: CheckoutDeps;
  /** The limited product's name: a refusal for the stock must name it (no other product is tracked). */
  limitedName: string;
  doubleSubmits: { tried: number; resumed: number };
  soldOut: SoldOutCounts;
  mismatches: Mismatch[];
}

/**
 * A refusal for the stock is an expected outcome (counted; the order is not expected to exist),
 * provided it is about the limited product. False: not a refusal for the stock.
 */
function refusedForStock(shop: Shop, order: PlannedOrder, where: "atCart" | "atCheckout", error: string): boolean {
  if (!SOLD_OUT.test(error)) return false;
  shop.soldOut[where]++;
  shop.soldOut.emails.push(order.email);
  if (!error.includes(shop.limitedName)) {
    shop.mismatches.push({ check: "stock", orderNumber: null, orderId: null, detail: `order ${order.index + 1} was refused for a product whose stock is not tracked: "${error}"` });
  }
  return true;
}

/** A cart with the planned lines, or null if adding to it was refused for the stock. */
async function fillCart(shop: Shop, order: PlannedOrder): Promise<string | null> {
  let cartId: string | undefined;
  for (const [slug, quantity] of order.lines) {
    const added = await addToCart(shop.db, cartId, await productIdOf(shop.db, slug), quantity);
    if (!added.ok) {
      const error = inWords("en", added.error);
      if (refusedForStock(shop, order, "atCart", error)) return null;
      throw new Error(`order ${order.index + 1}: adding ${slug} to the cart failed: ${error}`);
    }
    cartId = added.cartId;
  }
  return cartId!;
}

/** The checkout form submitted (twice at once for a double click); null if it was refused as sold out. */
async function placeOrder(shop: Shop, order: PlannedOrder, cartId: string): Promise<Tracked | null> {
  const { db, deps, doubleSubmits, mismatches } = shop;
  const cart = await getCart(db, cartId);
  const ships = cart.lines.some((line) => line.ships);
  const form: Record<string, unknown> = {
    token: issueCheckoutToken(deps.sessionSecret, cart),
    email: order.email,
    ...(ships ? ADDRESS : {}),
    ...(ships && order.fullAddress ? { shippingLine2: "Flat 2", shippingRegion: "Lisboa" } : {}),
  };
  const submit = () => startCheckout(deps, { cartId, form });
  const results = order.doubleSubmit ? await Promise.all([submit(), submit()]) : [await submit()];
  const first = results[0]!;
  if (!first.ok) {
    const error = inWords("en", first.error);
    if (!refusedForStock(shop, order, "atCheckout", error)) throw new Error(`order ${order.index + 1}: the checkout failed: ${error}`);
    // Both clicks of a double submit are told the same; the cart is kept for the shopper to change.
    const second = results[1];
    if (second && (second.ok || inWords("en", second.error) !== error)) {
      mismatches.push({ check: "checkout", orderNumber: null, orderId: null, detail: `order ${order.index + 1}: a double submit was refused as sold out ("${error}"), its second click got ${second.ok ? `order ${second.orderId}` : `"${inWords("en", second.error)}"`}` });
    }
    const kept = await getCart(db, cartId);
    if (kept.lines.length !== cart.lines.length) {
      mismatches.push({ check: "checkout", orderNumber: null, orderId: null, detail: `order ${order.index + 1}: refused as sold out, its cart went from ${cart.lines.length} lines to ${kept.lines.length}` });
    }
    return null;
  }

  const orderRow = await db.selectFrom("orders").select(["id", "number", "total_cents"]).where("id", "=", first.orderId).executeTakeFirstOrThrow();
  const attempt = await latestAttempt(db, first.orderId);
  if (!attempt?.reference_id || attempt.payment_url !== first.redirectTo) {
    throw new Error(`order #${orderRow.number}: the checkout returned ${first.redirectTo}, but its latest attempt is ${attempt?.state ?? "missing"} at ${attempt?.payment_url ?? "no URL"}`);
  }
  if (order.doubleSubmit) {
    doubleSubmits.tried++;
    const second = results[1]!;
    if (second.ok && second.orderId === first.orderId && second.redirectTo === first.redirectTo) doubleSubmits.resumed++;
    else {
      mismatches.push({
        check: "checkout",
        orderNumber: orderRow.number,
        orderId: orderRow.id,
        detail: `a double submit got ${second.ok ? `order ${second.orderId} → ${second.redirectTo}` : `"${inWords("en", second.error)}"`}, the first ${first.orderId} → ${first.redirectTo}`,
      });
    }
  }
  return { plan: order, orderId: orderRow.id, number: orderRow.number, referenceId: attempt.reference_id, amountCents: attempt.amount_cents };
}

interface ActContext {
  emulator: Emulator;
  db: Db;
  checkoutDeps: CheckoutDeps;
  apps: AppInstance[];
  payAgain: { tried: number; opened: number };
  soldOut: SoldOutCounts;
  limitedName: string;
  extraMismatches: Mismatch[];
  problems: string[];
}

async function act(action: Action, order: Tracked, context: ActContext): Promise<void> {
  const { emulator } = context;
  const refused = (what: string, result: { ok: true } | { ok: false; reason: string }) => {
    if (!result.ok) context.problems.push(`#${order.number}: the emulator refused to ${what} ${order.referenceId}: ${result.reason}`);
  };
  switch (action.kind) {
    case "deposit": {
      const cents = depositCents(action.amount, order.amountCents, order.plan);
      const value = depositValueCents(action, order.amountCents, order.plan);
      const worth = value === undefined ? "" : ` (worth ${centsToDecimal(value)} USD now)`;
      refused(`take a deposit of ${centsToDecimal(cents)} USD${worth} on`, emulator.deposit(order.referenceId, centsToDecimal(cents), value === undefined ? undefined : centsToDecimal(value)));
      return;
    }
    case "cancel":
      refused("cancel", emulator.cancel(order.referenceId));
      return;
    case "expire":
      refused("expire", emulator.expire(order.referenceId));
      return;
    case "pay_again":
      await payAgain(order, context);
      return;
  }
}

/**
 * The shopper's status page polls (GET /api/orders/[id] on one of the app servers) until it offers
 * "Pay again", then the action behind that button runs: payForOrder, a new PayRam payment.
 */
async function payAgain(order: Tracked, context: ActContext): Promise<void> {
  const app = context.apps[order.plan.index % context.apps.length]!;
  context.payAgain.tried++;
  const mismatch = (detail: string): void => {
    context.extraMismatches.push({ check: "checkout", orderNumber: order.number, orderId: order.orderId, detail });
  };
  try {
    await waitFor(
      `#${order.number}'s status page to offer "Pay again"`,
      async () => {
        const response = await fetch(`${app.url}/api/orders/${order.orderId}`, { signal: AbortSignal.timeout(10_000) });
        if (!response.ok) throw new Error(`GET /api/orders/${order.orderId} on ${app.name} answered ${response.status}`);
        const view = (await response.json()) as { state: string; canPayAgain: boolean };
        return view.state === "CANCELLED" && view.canPayAgain;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
  } catch (error) {
    mismatch(error instanceof Error ? error.message : String(error));
    return;
  }
  const row = await context.db.selectFrom("orders").selectAll().where("id", "=", order.orderId).executeTakeFirstOrThrow();
  const result = await payForOrder(context.checkoutDeps, row);
  const attempt = await latestAttempt(context.db, order.orderId);
  // Its stock went back when its payment was cancelled, and is gone: expected, and counted.
  const refusal = result.ok ? null : inWords("en", result.error);
  if (refusal !== null && SOLD_OUT.test(refusal)) {
    context.soldOut.payAgain++;
    order.soldOutOnPayAgain = true;
    if (!refusal.includes(context.limitedName)) mismatch(`"Pay again" was refused for a product whose stock is not tracked: ${refusal}`);
    return;
  }
  if (!result.ok) return mismatch(`"Pay again" was refused: ${inWords("en", result.error)}`);
  if (!attempt?.reference_id || attempt.reference_id === order.referenceId || attempt.payment_url !== result.redirectTo) {
    return mismatch(`"Pay again" sent the shopper to ${result.redirectTo}; latest attempt ${attempt?.attempt_number} is ${attempt?.state} at ${attempt?.payment_url}`);
  }
  context.payAgain.opened++;
  order.referenceId = attempt.reference_id;
  order.amountCents = attempt.amount_cents;
}

async function snapshot(db: Db): Promise<ShopSnapshot> {
  const [orders, attempts, fulfilments, attention] = await Promise.all([
    db.selectFrom("orders").select(["id", "number", "total_cents", "paid_at", "email", "cancelled_at"]).execute(),
    db
      .selectFrom("payment_attempts")
      .select(["id", "order_id", "attempt_number", "state", "reference_id", "amount_cents", "amount_received_cents"])
      .execute(),
    db.selectFrom("fulfilments").select(["order_id", "attempt_id"]).execute(),
    db.selectFrom("attention_items").select(["order_id", "attempt_id", "kind", "resolved_at"]).execute(),
  ]);
  return { orders, attempts, fulfilments, attention };
}

async function stockSnapshot(db: Db, product: Pick<StockSnapshot, "productId" | "name" | "initial" | "soldOutEmails">): Promise<StockSnapshot> {
  const [row, lines, reservations] = await Promise.all([
    db.selectFrom("products").select("stock").where("id", "=", product.productId).executeTakeFirstOrThrow(),
    db.selectFrom("order_items").select(["order_id", "quantity"]).where("product_id", "=", product.productId).execute(),
    db.selectFrom("stock_reservations").select(["order_id", "product_id", "quantity", "released_at"]).execute(),
  ]);
  return { ...product, final: row.stock, lines, reservations };
}

function payramPayments(emulator: Emulator): PayramPayment[] {
  return emulator.payments().map((payment) => ({
    referenceId: payment.referenceId,
    state: payment.state as PaymentState,
    amountCents: parseCents(payment.amountInUSD),
    filledCents: parseCents(payment.filledAmountInUSD),
    customerId: payment.customerId,
    topUpOf: payment.topUpOf,
  }));
}

