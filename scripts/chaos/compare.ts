import { FATES, type Fate, type FateSpec, type PaymentState } from "./plan";

/**
 * The verdict of a chaos run: the shop's database against the emulator's payments. Pure, so
 * the rules are unit-tested (scripts/chaos.test.ts) apart from the servers.
 */

export interface ShopOrder {
  id: string;
  number: number;
  total_cents: number;
  paid_at: string | null;
  /** Read for the stock check (checkStock). */
  email?: string;
  cancelled_at?: string | null;
}

export interface ShopAttempt {
  id: string;
  order_id: string;
  attempt_number: number;
  state: string;
  reference_id: string | null;
  amount_cents: number;
  amount_received_cents: number | null;
}

export interface ShopFulfilment {
  order_id: string;
  attempt_id: string;
}

export interface ShopAttention {
  order_id: string;
  attempt_id: string;
  kind: string;
  resolved_at?: string | null;
}

export interface ShopSnapshot {
  orders: ShopOrder[];
  attempts: ShopAttempt[];
  fulfilments: ShopFulfilment[];
  attention: ShopAttention[];
}

/** The emulator's payment, in cents. */
export interface PayramPayment {
  referenceId: string;
  state: PaymentState;
  amountCents: number;
  /** What arrived, valued at the quote (what PayRam's states go by), not what it is worth now. */
  filledCents: number;
  /** Links an order's payments: the shop uses one customer id per order, and a top-up keeps it. */
  customerId: string;
  /** The payment a top-up under a new reference tops up (emulator api.topUp "new-reference"), else null. */
  topUpOf: string | null;
}

export interface CompareOptions {
  /** The emulator opened a new payment request for each top-up: the plan ends where FateSpec.newReferenceTopUp says. */
  topUpAsNewReference?: boolean;
}

export type CheckName =
  | "state" // an attempt's state differs from PayRam's
  | "received" // the amount received differs from PayRam's
  | "received_total" // what PayRam received across all of an order's references differs from the shop's record
  | "unknown_payment" // an order with no payment PayRam knows
  | "two_open_attempts"
  | "paid" // orders.paid_at disagrees with PayRam
  | "fulfilment" // a fulfilment missing, extra, or on the wrong attempt
  | "double_fulfilment"
  | "attention" // over-payment / cancelled-with-funds flags disagree with PayRam
  | "orphan_payment" // a PayRam payment no attempt knows
  | "plan" // PayRam did not end where the plan meant it to (the chaos driver's own check)
  | "checkout" // a double submit that did not resume the same order and payment, a refused "pay again"
  | "webhook" // an authentic delivery refused, left unsettled, or not recorded
  | "stock" // the limited product oversold, pieces lost or made up, a reservation held or missing where it should not be
  | "totals";

export interface Mismatch {
  check: CheckName;
  orderNumber: number | null;
  orderId: string | null;
  detail: string;
}

export interface Comparison {
  mismatches: Mismatch[];
  /** Orders per state of their latest attempt, in the shop and at PayRam. */
  shopStates: Record<string, number>;
  payramStates: Record<string, number>;
  /** Per planned fate: orders, and the shop's latest-attempt states. */
  byFate: Partial<Record<Fate, { orders: number; shop: Record<string, number>; payram: Record<string, number> }>>;
  paidOrders: number;
  fulfilments: number;
  /** Orders PayRam's own figures call paid (payramCredit reaches the total). */
  payramPaid: number;
  doubleFulfilments: number;
  ordersWithTwoOpenAttempts: number;
  /** Attempts whose state differs from PayRam's (the "behind" count before the sweep). */
  stateMismatches: number;
}

const PAID: ReadonlySet<string> = new Set(["FILLED", "OVER_FILLED"]);
const OPEN_STATES: ReadonlySet<string> = new Set(["STARTING", "OPEN", "PARTIALLY_FILLED"]);

/**
 * What PayRam's own figures credit an order, over all its references (top-ups under new
 * references included): a FILLED payment exactly its ask, any other what arrived at the quote —
 * never what the transfers are worth now (a price that moved since the quote changes no state at
 * PayRam). A payment the shop opened that PayRam holds for another amount credits nothing (the
 * shop holds such an order for the merchant). The order is paid when this reaches its total.
 */
export function payramCredit(linked: readonly PayramPayment[], attempts: readonly Pick<ShopAttempt, "reference_id" | "amount_cents">[]): number {
  const asked = new Map(attempts.map((attempt) => [attempt.reference_id, attempt.amount_cents]));
  return linked.reduce((sum, payment) => {
    const shopAsked = asked.get(payment.referenceId);
    if (payment.topUpOf === null && shopAsked !== undefined && shopAsked !== payment.amountCents) return sum;
    return sum + (payment.state === "FILLED" ? payment.amountCents : payment.filledCents);
  }, 0);
}

function bump(counts: Record<string, number>, key: string) {
  counts[key] = (counts[key] ?? 0) + 1;
}

export function compare(
  shop: ShopSnapshot,
  payram: readonly PayramPayment[],
  plan: ReadonlyMap<string, Fate> = new Map(),
  options: CompareOptions = {},
): Comparison {
  const mismatches: Mismatch[] = [];
  const payments = new Map(payram.map((payment) => [payment.referenceId, payment]));
  const byCustomer = new Map<string, PayramPayment[]>();
  for (const payment of payram) byCustomer.set(payment.customerId, [...(byCustomer.get(payment.customerId) ?? []), payment]);
  const orderOfCustomer = new Map<string, ShopOrder>();
  const attemptsByOrder = new Map<string, ShopAttempt[]>();
  for (const attempt of shop.attempts) {
    const list = attemptsByOrder.get(attempt.order_id) ?? [];
    list.push(attempt);
    attemptsByOrder.set(attempt.order_id, list);
  }
  const fulfilmentsByOrder = new Map<string, ShopFulfilment[]>();
  for (const fulfilment of shop.fulfilments) {
    const list = fulfilmentsByOrder.get(fulfilment.order_id) ?? [];
    list.push(fulfilment);
    fulfilmentsByOrder.set(fulfilment.order_id, list);
  }
  const attentionKeys = new Set(shop.attention.map((item) => `${item.attempt_id}:${item.kind}`));
  const knownReferences = new Set(shop.attempts.map((attempt) => attempt.reference_id).filter((ref): ref is string => ref !== null));

  const result: Comparison = {
    mismatches,
    shopStates: {},
    payramStates: {},
    byFate: {},
    paidOrders: 0,
    fulfilments: shop.fulfilments.length,
    payramPaid: 0,
    doubleFulfilments: 0,
    ordersWithTwoOpenAttempts: 0,
    stateMismatches: 0,
  };

  for (const order of [...shop.orders].sort((a, b) => a.number - b.number)) {
    const add = (check: CheckName, detail: string) => mismatches.push({ check, orderNumber: order.number, orderId: order.id, detail });
    const attempts = (attemptsByOrder.get(order.id) ?? []).sort((a, b) => a.attempt_number - b.attempt_number);
    const latest = attempts.at(-1);
    const latestPayment = latest?.reference_id ? payments.get(latest.reference_id) : undefined;
    // Every PayRam payment of the order, top-ups under new references included: the customer id links them.
    const customers = new Set(attempts.flatMap((attempt) => (attempt.reference_id ? [payments.get(attempt.reference_id)?.customerId ?? ""] : [])).filter(Boolean));
    for (const customer of customers) orderOfCustomer.set(customer, order);
    const linked = [...customers].flatMap((customer) => byCustomer.get(customer) ?? []);
    const topUps = linked.filter((payment) => payment.topUpOf !== null);
    const receivedAtPayram = linked.reduce((sum, payment) => sum + payment.filledCents, 0);
    // PayRam's own verdict: paid exactly when its figures at the quote reach the total.
    const credited = payramCredit(linked, attempts);
    const shouldBePaid = credited >= order.total_cents;
    const figures = `PayRam's figures at the quote make ${credited} of ${order.total_cents} cents over ${linked.length} reference${linked.length === 1 ? "" : "s"} (${linked.map((payment) => payment.state).join(", ") || "none"})`;

    bump(result.shopStates, latest?.state ?? "(no attempt)");
    bump(result.payramStates, latestPayment?.state ?? "(unknown)");
    const fate = plan.get(order.id);
    if (fate) {
      const entry = (result.byFate[fate] ??= { orders: 0, shop: {}, payram: {} });
      entry.orders++;
      bump(entry.shop, latest?.state ?? "(no attempt)");
      bump(entry.payram, latestPayment?.state ?? "(unknown)");
      const spec: FateSpec = FATES[fate];
      const withTopUp = options.topUpAsNewReference ? spec.newReferenceTopUp : undefined;
      const expected = withTopUp?.latest ?? spec.expected;
      // The order's own payment, also when the shop has taken a top-up on as an attempt.
      const planned = latestPayment?.topUpOf ? payments.get(latestPayment.topUpOf) : latestPayment;
      if (planned && planned.state !== expected) {
        add("plan", `planned "${spec.label}" (${expected}), PayRam says ${planned.state}`);
      }
      if (withTopUp && !topUps.some((payment) => payment.state === withTopUp.topUp)) {
        add("plan", `planned "${spec.label}" with a ${withTopUp.topUp} top-up under a new reference; PayRam has ${topUps.length === 0 ? "none" : topUps.map((payment) => payment.state).join(", ")}`);
      }
    }
    if (!latestPayment) {
      add("unknown_payment", latest ? `latest attempt ${latest.attempt_number} (${latest.state}) has no payment PayRam knows` : "no payment attempt");
    }

    const open = attempts.filter((attempt) => OPEN_STATES.has(attempt.state));
    if (open.length > 1) {
      result.ordersWithTwoOpenAttempts++;
      add("two_open_attempts", `attempts ${open.map((attempt) => `${attempt.attempt_number} (${attempt.state})`).join(", ")} are all open`);
    }

    const orderFlagged = (kind: string) => attempts.some((attempt) => attentionKeys.has(`${attempt.id}:${kind}`));
    const paidAttempts: ShopAttempt[] = [];
    for (const attempt of attempts) {
      const payment = attempt.reference_id ? payments.get(attempt.reference_id) : undefined;
      if (!payment) continue;
      const where = `attempt ${attempt.attempt_number} (${attempt.reference_id})`;
      if (attempt.state !== payment.state) {
        result.stateMismatches++;
        add("state", `${where}: the shop says ${attempt.state}, PayRam ${payment.state}`);
      }
      const received = attempt.amount_received_cents ?? 0;
      if (received !== payment.filledCents) {
        add("received", `${where}: the shop recorded ${received} cents received, PayRam ${payment.filledCents}`);
      }
      if (PAID.has(payment.state) && payment.amountCents === attempt.amount_cents) paidAttempts.push(attempt);
      // The merchant's flags follow PayRam's final word (only checked where the shop agrees on the state).
      if (attempt.state === payment.state) {
        // Also on the reference that took the order past its total over several references.
        // Money flags are one per order (whichever reference raised it first).
        // (A flag raised where PayRam reports no surplus is checked for the whole order below.)
        const overExpected = payment.state === "OVER_FILLED";
        if (overExpected && !orderFlagged("over_filled")) add("attention", `${where}: over-payment flag missing for ${payment.state}`);
        const cancelledWithFunds = payment.state === "CANCELLED" && payment.filledCents > 0;
        const fundsFlag = attentionKeys.has(`${attempt.id}:cancelled_with_funds`) || (cancelledWithFunds && orderFlagged("cancelled_with_funds"));
        if (fundsFlag !== cancelledWithFunds) add("attention", `${where}: cancelled-with-funds flag ${fundsFlag ? "raised" : "missing"} (${payment.state}, ${payment.filledCents} cents received)`);
        if (attentionKeys.has(`${attempt.id}:amount_mismatch`)) add("attention", `${where}: amount mismatch flagged although PayRam asked for the order's amount`);
      }
    }

    // What PayRam received for the order, summed over its references (the per-attempt check above
    // already covers an order without top-ups).
    const receivedInShop = attempts.reduce((sum, attempt) => sum + (attempt.amount_received_cents ?? 0), 0);
    const topUpNote = `${topUps.length} top-up${topUps.length === 1 ? "" : "s"} under new references`;
    if (topUps.length > 0 && receivedAtPayram !== receivedInShop) {
      add("received_total", `PayRam received ${receivedAtPayram} cents across ${linked.length} references (${topUpNote}), the shop recorded ${receivedInShop}`);
    }
    // A surplus spread over several references (none of them OVER_FILLED itself) is flagged too.
    const surplusAcrossReferences = receivedAtPayram > order.total_cents && !linked.some((payment) => payment.state === "OVER_FILLED");
    if (surplusAcrossReferences && !attempts.some((attempt) => attentionKeys.has(`${attempt.id}:over_filled`))) {
      add("attention", `PayRam received ${receivedAtPayram} cents over several references for ${order.total_cents}: no over-payment flag`);
    }
    // No surplus where PayRam reports none: a price that rose since the quote is no over-payment.
    if (orderFlagged("over_filled") && receivedAtPayram <= order.total_cents) {
      add("attention", `over-payment flagged, but PayRam received ${receivedAtPayram} cents at the quote for ${order.total_cents} (${linked.map((payment) => payment.state).join(", ")}): no surplus`);
    }
    if (shouldBePaid) result.payramPaid++;

    const paid = order.paid_at !== null;
    if (paid) result.paidOrders++;
    if (paid !== shouldBePaid) {
      add(
        "paid",
        paid ? `marked paid, but ${figures}`
        : topUps.length > 0 ? `${figures} (${topUpNote}), the order is not paid`
        : `PayRam says paid (${figures}), the order is not`,
      );
    }
    if (paidAttempts.length > 1) add("plan", `PayRam holds ${paidAttempts.length} paid payments for this order`);

    const fulfilments = fulfilmentsByOrder.get(order.id) ?? [];
    if (fulfilments.length > 1) {
      result.doubleFulfilments++;
      add("double_fulfilment", `${fulfilments.length} fulfilments`);
    }
    if (shouldBePaid && fulfilments.length === 0) add("fulfilment", "paid at PayRam, never fulfilled");
    if (!shouldBePaid && fulfilments.length > 0) add("fulfilment", "fulfilled without a paid payment at PayRam");
    // Paid over several references, the one that took the order past its total is whichever the
    // shop happened to apply last: any reference that brought money may be it.
    const brought = (attempt: ShopAttempt) => (payments.get(attempt.reference_id ?? "")?.filledCents ?? 0) > 0;
    const mayFulfil = topUps.length > 0 ? [...paidAttempts, ...attempts.filter(brought)] : paidAttempts;
    for (const fulfilment of fulfilments) {
      if (paidAttempts.length > 0 && !mayFulfil.some((attempt) => attempt.id === fulfilment.attempt_id)) {
        add("fulfilment", `fulfilled from attempt ${fulfilment.attempt_id}, which is not the paid one`);
      }
    }
  }

  for (const payment of payram) {
    if (!knownReferences.has(payment.referenceId)) {
      const order = orderOfCustomer.get(payment.customerId);
      const what = payment.topUpOf ? `is a top-up of ${payment.topUpOf} under a new reference (customer ${payment.customerId}); no attempt knows it` : "belongs to no attempt";
      mismatches.push({ check: "orphan_payment", orderNumber: order?.number ?? null, orderId: order?.id ?? null, detail: `PayRam payment ${payment.referenceId} (${payment.state}) ${what}` });
    }
  }
  if (!(result.fulfilments === result.paidOrders && result.paidOrders === result.payramPaid)) {
    mismatches.push({
      check: "totals",
      orderNumber: null,
      orderId: null,
      detail: `fulfilments ${result.fulfilments}, paid orders ${result.paidOrders}, paid by PayRam's figures ${result.payramPaid}`,
    });
  }
  return result;
}

/** The run's product of limited stock, at the end (scripts/chaos/run.ts reads it from the database). */
export interface StockSnapshot {
  productId: number;
  name: string;
  /** products.stock when the checkouts began. */
  initial: number;
  /** products.stock now (null: no longer tracked). */
  final: number | null;
  /** The product's quantity in each order that has it (order_items). */
  lines: { order_id: string; quantity: number }[];
  /** Every stock reservation of the run, released or not. */
  reservations: { order_id: string; product_id: number; quantity: number; released_at: string | null }[];
  /** The email of each checkout refused as sold out (each planned order has its own): no order may carry it. */
  soldOutEmails: readonly string[];
}

export interface StockFigures {
  /** Pieces held by unreleased reservations at the end, and by how many orders. */
  held: number;
  holdingOrders: number;
  /** Orders that have the product, and the paid ones among them with their pieces. */
  ordersWith: number;
  paidOrders: number;
  paidPieces: number;
  /** Reservations released (each gave its pieces back once), and orders flagged out of stock. */
  released: number;
  outOfStock: number;
}

export interface StockCheck extends StockFigures {
  mismatches: Mismatch[];
}

/**
 * The stock invariants, on the database at the end of a run (issue 19). Stock is held per order
 * while the order can still be paid with what it holds (lib/payments/attempts.ts keepStockInStep):
 * - never oversold: the stock is never below zero, and the stock plus the pieces reservations
 *   still hold is the stock the run began with (nothing lost, nothing made up: each release once);
 * - an order that is paid or has a payment open, and has the product, holds a reservation for
 *   exactly its quantity, or is flagged out of stock for the merchant;
 * - any other order holds nothing: money on a payment that ended does not keep the stock (issue
 *   29.2; the money stays refundable, and "Pay the remaining" reserves again);
 * - an order with the product reserved it when it was placed (it has a reservation row);
 * - the paid orders' pieces stay within the stock, except those flagged out of stock;
 * - a checkout refused as sold out left no order behind.
 */
export function checkStock(shop: ShopSnapshot, stock: StockSnapshot): StockCheck {
  const mismatches: Mismatch[] = [];
  const what = `${stock.name} (product ${stock.productId})`;
  const wanted = new Map<string, number>();
  for (const line of stock.lines) wanted.set(line.order_id, (wanted.get(line.order_id) ?? 0) + line.quantity);
  const rowsByOrder = new Map<string, StockSnapshot["reservations"]>();
  for (const row of stock.reservations) rowsByOrder.set(row.order_id, [...(rowsByOrder.get(row.order_id) ?? []), row]);
  const attemptsByOrder = new Map<string, ShopAttempt[]>();
  for (const attempt of shop.attempts) attemptsByOrder.set(attempt.order_id, [...(attemptsByOrder.get(attempt.order_id) ?? []), attempt]);
  const flagged = new Set(shop.attention.filter((item) => item.kind === "out_of_stock" && !item.resolved_at).map((item) => item.order_id));
  const soldOut = new Set(stock.soldOutEmails);

  const unreleased = stock.reservations.filter((row) => row.released_at === null);
  const held = unreleased.filter((row) => row.product_id === stock.productId).reduce((sum, row) => sum + row.quantity, 0);
  const result: StockCheck = {
    mismatches,
    held,
    holdingOrders: new Set(unreleased.filter((row) => row.product_id === stock.productId).map((row) => row.order_id)).size,
    ordersWith: 0,
    paidOrders: 0,
    paidPieces: 0,
    released: stock.reservations.length - unreleased.length,
    outOfStock: flagged.size,
  };
  const whole = (detail: string) => mismatches.push({ check: "stock", orderNumber: null, orderId: null, detail });
  if (stock.final === null) whole(`${what} is no longer tracked at the end (it began with ${stock.initial})`);
  else {
    if (stock.final < 0) whole(`${what} oversold: its stock is ${stock.final}`);
    if (stock.final + held !== stock.initial) {
      const off = stock.final + held - stock.initial;
      whole(`${what}: ${stock.final} in stock + ${held} held by reservations = ${stock.final + held}, but the run began with ${stock.initial} (${Math.abs(off)} piece${Math.abs(off) === 1 ? "" : "s"} ${off > 0 ? "made up" : "lost"})`);
    }
  }

  let flaggedPieces = 0;
  for (const order of [...shop.orders].sort((a, b) => a.number - b.number)) {
    const add = (detail: string) => mismatches.push({ check: "stock", orderNumber: order.number, orderId: order.id, detail });
    const quantity = wanted.get(order.id) ?? 0;
    const rows = rowsByOrder.get(order.id) ?? [];
    const holdsAny = rows.filter((row) => row.released_at === null).reduce((sum, row) => sum + row.quantity, 0);
    const holds = rows.filter((row) => row.released_at === null && row.product_id === stock.productId).reduce((sum, row) => sum + row.quantity, 0);
    const attempts = attemptsByOrder.get(order.id) ?? [];
    const received = attempts.reduce((sum, attempt) => sum + (attempt.amount_received_cents ?? 0), 0);
    const open = attempts.some((attempt) => OPEN_STATES.has(attempt.state));
    const paid = order.paid_at !== null;
    const payable = !order.cancelled_at && (paid || open);
    const outOfStock = flagged.has(order.id);

    if (order.email !== undefined && soldOut.has(order.email)) add(`the checkout of ${order.email} was refused as sold out, yet this order exists`);
    if (!payable && holdsAny > 0) {
      const why = order.cancelled_at ? "cancelled by the merchant" : `not paid, no payment open (${attempts.map((attempt) => attempt.state).join(", ") || "no attempt"}${received > 0 ? `; ${received} cents received` : ""})`;
      add(`can no longer be paid (${why}), yet it still holds ${holdsAny} piece${holdsAny === 1 ? "" : "s"}`);
    }
    if (quantity === 0) continue;
    result.ordersWith++;
    if (paid) {
      result.paidOrders++;
      result.paidPieces += quantity;
      if (outOfStock && holds === 0) flaggedPieces += quantity;
    }
    if (rows.every((row) => row.product_id !== stock.productId)) add(`has ${quantity} of ${what} but never reserved it`);
    if (holds > quantity) add(`holds ${holds} pieces of ${what} for the ${quantity} it ordered`);
    else if (payable && holds !== quantity && !outOfStock) {
      const state = paid ? "paid" : "a payment open";
      add(`can still be paid (${state}) but holds ${holds} of its ${quantity} ${what}, and is not flagged out of stock`);
    }
  }
  if (result.paidPieces - flaggedPieces > stock.initial) {
    whole(`oversold: paid orders have ${result.paidPieces} pieces of ${what}${flaggedPieces > 0 ? ` (${flaggedPieces} flagged out of stock)` : ""}, the run began with ${stock.initial}`);
  }
  return result;
}

/**
 * The shop's record of the webhooks, against the emulator's log: every delivery is authentic and
 * about one of the shop's payments, so none may be rejected, left "received" (processing never
 * finished) or "unknown_reference"; and every attempt the shop answered was recorded.
 */
export function checkWebhookRecords(verdicts: Readonly<Record<string, number>>, answeredAtEmulator: number): Mismatch[] {
  const mismatches: Mismatch[] = [];
  const add = (detail: string) => mismatches.push({ check: "webhook", orderNumber: null, orderId: null, detail });
  for (const [verdict, meaning] of [
    ["rejected", "authentic deliveries refused"],
    ["received", "deliveries recorded but never settled"],
    ["unknown_reference", "deliveries about the shop's own payments called unknown"],
  ] as const) {
    if ((verdicts[verdict] ?? 0) > 0) add(`${verdicts[verdict]} ${meaning} (verdict "${verdict}")`);
  }
  const recorded = Object.values(verdicts).reduce((sum, n) => sum + n, 0);
  if (recorded !== answeredAtEmulator) add(`the shop recorded ${recorded} deliveries, the emulator saw ${answeredAtEmulator} answered`);
  return mismatches;
}
