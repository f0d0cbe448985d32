import { seededRandom } from "./random";

/**
 * What happens to each chaos order, decided up front from the seed: its cart, and its fate —
 * the settlement steps played at the emulator. Steps run in phases: every order's first phase,
 * shuffled, then every order's second phase, and so on; the actions of one phase run back to
 * back (so, e.g., the two deposits of "filled in two parts" race each other's webhooks), while
 * actions in different phases are far apart.
 */

export type PaymentState = "OPEN" | "PARTIALLY_FILLED" | "FILLED" | "OVER_FILLED" | "CANCELLED";

export type Action =
  /**
   * A deposit on the order's current payment: all of it, a part, the rest, more than asked, a
   * little short of all of it ("short_dust"), or one cent ("cent"). `value`: what PayRam reports
   * the transfer worth in USD now when the price moved since the quote (emulator deposit's
   * valueInUSD): more than its amount ("rose"), less ("fell"), or the order's whole total
   * ("total"); else its amount.
   */
  | { kind: "deposit"; amount: DepositAmount; value?: DepositValue }
  | { kind: "cancel" }
  | { kind: "expire" }
  /** The shopper sees the cancelled payment (a status poll) and pays again: a new attempt. */
  | { kind: "pay_again" };

export type DepositAmount = "full" | "part" | "rest" | "over" | "rest_over" | "short_dust" | "cent";
export type DepositValue = "rose" | "fell" | "total";

export interface FateSpec {
  label: string;
  weight: number;
  /** The emulator's final state for the order's latest payment. */
  expected: PaymentState;
  /** Phases of actions (see above). */
  phases: readonly (readonly Action[])[];
  /**
   * Where the plan ends when PayRam opens a new payment request for a top-up (the emulator's
   * api.topUp "new-reference", profile connector-2026): the order's own payment stays
   * PARTIALLY_FILLED and the top-up, for the rest, is FILLED. Deposits of one phase land on the
   * same payment (the first is still confirming, so the payment is still OPEN).
   */
  newReferenceTopUp?: { latest: PaymentState; topUp: PaymentState };
}

const deposit = (amount: DepositAmount, value?: DepositValue): Action => (value ? { kind: "deposit", amount, value } : { kind: "deposit", amount });

export const FATES = {
  filled: { label: "filled (exact)", weight: 15, expected: "FILLED", phases: [[deposit("full")]] },
  filled_two_parts: { label: "filled in two parts", weight: 9, expected: "FILLED", phases: [[deposit("part"), deposit("rest")]] },
  filled_later: {
    label: "filled in two parts, later",
    weight: 5,
    expected: "FILLED",
    phases: [[deposit("part")], [deposit("rest")]],
    newReferenceTopUp: { latest: "PARTIALLY_FILLED", topUp: "FILLED" },
  },
  over_filled: { label: "over-filled", weight: 6, expected: "OVER_FILLED", phases: [[deposit("over")]] },
  over_two_parts: {
    label: "over-filled in two parts",
    weight: 4,
    expected: "OVER_FILLED",
    phases: [[deposit("part")], [deposit("rest_over")]],
    newReferenceTopUp: { latest: "PARTIALLY_FILLED", topUp: "FILLED" },
  },
  partial: { label: "partially filled", weight: 9, expected: "PARTIALLY_FILLED", phases: [[deposit("part")]] },
  cancelled: { label: "cancelled", weight: 9, expected: "CANCELLED", phases: [[{ kind: "cancel" }]] },
  cancelled_partial: { label: "cancelled after a part", weight: 7, expected: "CANCELLED", phases: [[deposit("part")], [{ kind: "cancel" }]] },
  expired: { label: "expired", weight: 8, expected: "CANCELLED", phases: [[{ kind: "expire" }]] },
  expired_partial: { label: "expired after a part", weight: 4, expected: "CANCELLED", phases: [[deposit("part"), { kind: "expire" }]] },
  open: { label: "left open", weight: 10, expected: "OPEN", phases: [] },
  paid_again: {
    label: "cancelled, paid again",
    weight: 8,
    expected: "FILLED",
    phases: [[{ kind: "cancel" }], [{ kind: "pay_again" }], [deposit("full")]],
  },
  // Price drift (issue 28): PayRam's verdict comes from the amounts at the quote, never from
  // what the transfers are worth now. The shop is paid without a surplus or a flag.
  drift_rise: {
    label: "drift: part rose, then rest",
    weight: 4,
    expected: "FILLED",
    phases: [[deposit("part", "rose")], [deposit("rest")]],
    newReferenceTopUp: { latest: "PARTIALLY_FILLED", topUp: "FILLED" },
  },
  drift_fall: { label: "drift: part fell, and rest", weight: 3, expected: "FILLED", phases: [[deposit("part", "fell"), deposit("rest")]] },
  // A dust top-up: short by a few cents (yet worth the whole total now), then one cent more.
  // PayRam's figures at the quote stay short: the order is not paid (and no surplus is invented).
  dust_short: {
    label: "dust: cents short, +1 cent",
    weight: 4,
    expected: "PARTIALLY_FILLED",
    phases: [[deposit("short_dust", "total")], [deposit("cent")]],
    newReferenceTopUp: { latest: "PARTIALLY_FILLED", topUp: "FILLED" },
  },
} as const satisfies Record<string, FateSpec>;

export type Fate = keyof typeof FATES;
export const FATE_NAMES = Object.keys(FATES) as Fate[];

export interface PlannedOrder {
  index: number;
  fate: Fate;
  /** 1–3 distinct products, 1–3 of each. */
  lines: [slug: string, quantity: number][];
  email: string;
  /** Optional address lines filled in (when the cart ships). */
  fullAddress: boolean;
  /** The same checkout form submitted twice at once (double click). */
  doubleSubmit: boolean;
  /** A part payment is this share of the total (clamped to 1 cent … total − 1 cent). */
  partShare: number;
  /** An over-payment adds this much; a price that rose (or fell) moves a deposit's USD value by this much. */
  extraCents: number;
  /** A dust deposit is short of the total by this many cents (2–99: a 1-cent top-up still leaves it short). */
  shortCents: number;
  /**
   * The shopper filled the cart before the checkouts began (while the stock was all there), so a
   * shortfall is found by the checkout's reservation; else the cart is filled right before paying
   * and adding to the cart may already be refused.
   */
  earlyCart: boolean;
}

export interface PlanOptions {
  orders: number;
  seed: number;
  /** Product slugs to fill carts from. */
  products: readonly string[];
  doubleSubmitRate?: number;
  /** A product of limited stock, in this share of the orders (the others never have it). */
  limited?: { slug: string; share: number };
}

/** The orders of one run. Every fate appears at least once when there are as many orders as fates. */
export function makePlan(options: PlanOptions): PlannedOrder[] {
  const random = seededRandom(options.seed);
  const totalWeight = FATE_NAMES.reduce((sum, fate) => sum + FATES[fate].weight, 0);
  const weighted = (): Fate => {
    let roll = random.next() * totalWeight;
    for (const fate of FATE_NAMES) {
      roll -= FATES[fate].weight;
      if (roll < 0) return fate;
    }
    return FATE_NAMES[FATE_NAMES.length - 1]!;
  };
  // One of each first (in a shuffled order), then by weight.
  const fates = random.shuffle(FATE_NAMES).slice(0, options.orders);
  while (fates.length < options.orders) fates.push(weighted());
  const order = random.shuffle(fates);

  const limited = options.limited;
  const others = limited ? options.products.filter((slug) => slug !== limited.slug) : options.products;
  return order.map((fate, index) => {
    const products = random.shuffle(others).slice(0, random.int(1, Math.min(3, others.length)));
    if (limited && random.chance(limited.share)) products[random.int(0, products.length - 1)] = limited.slug;
    return {
      index,
      fate,
      lines: products.map((slug) => [slug, random.int(1, 3)] as [string, number]),
      email: `chaos-${options.seed}-${index + 1}@example.com`,
      fullAddress: random.chance(0.5),
      doubleSubmit: random.chance(options.doubleSubmitRate ?? 0.1),
      partShare: 0.05 + random.next() * 0.9,
      extraCents: random.int(1, 2_500),
      earlyCart: random.chance(0.5),
      shortCents: random.int(2, 99),
    };
  });
}

/** Pieces of `slug` the plan's orders want, all together. */
export function piecesWanted(plan: readonly PlannedOrder[], slug: string): number {
  return plan.reduce((sum, order) => sum + order.lines.reduce((n, [line, quantity]) => n + (line === slug ? quantity : 0), 0), 0);
}

/** The stock a run gives its limited product: `share` of the pieces its orders want (at least 1), so that some must be refused. */
export function limitedStock(plan: readonly PlannedOrder[], slug: string, share: number): number {
  return Math.max(1, Math.floor(piecesWanted(plan, slug) * share));
}

type DepositShape = Pick<PlannedOrder, "partShare" | "extraCents" | "shortCents">;

/** The amount of a deposit, in cents, for a payment of `totalCents`. */
export function depositCents(amount: DepositAmount, totalCents: number, order: DepositShape): number {
  const part = Math.min(totalCents - 1, Math.max(1, Math.round(totalCents * order.partShare)));
  switch (amount) {
    case "full":
      return totalCents;
    case "part":
      return part;
    case "rest":
      return totalCents - part;
    case "over":
      return totalCents + order.extraCents;
    case "rest_over":
      return totalCents - part + order.extraCents;
    case "short_dust":
      // At least 1 cent arrives (a total of a few cents has no dust to play).
      return Math.max(1, totalCents - order.shortCents);
    case "cent":
      return 1;
  }
}

/**
 * What PayRam reports a deposit worth in USD now (the emulator's valueInUSD), or undefined when
 * the price did not move (its amount). `totalCents` is the order's payment's amount.
 */
export function depositValueCents(action: Extract<Action, { kind: "deposit" }>, totalCents: number, order: DepositShape): number | undefined {
  const cents = depositCents(action.amount, totalCents, order);
  switch (action.value) {
    case undefined:
      return undefined;
    case "rose":
      return cents + order.extraCents;
    case "fell":
      // Never nothing: PayRam reports a transfer worth at least a cent.
      return Math.max(1, cents - order.extraCents);
    case "total":
      return Math.max(cents, totalCents);
  }
}

/** The number of phases the plan needs. */
export function phaseCount(plan: readonly PlannedOrder[]): number {
  return plan.reduce((max, order) => Math.max(max, FATES[order.fate].phases.length), 0);
}
