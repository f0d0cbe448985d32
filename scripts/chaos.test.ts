import { describe, expect, it } from "vitest";
import { startEmulator, type DeliveryLogEntry, type Emulator } from "@/emulator/server";
import { waitFor } from "@/emulator/testing/helpers";
import { centsToDecimal } from "@/lib/rules/money";
import { DEFAULT_POSTGRES_URL, parseArgs, UsageError } from "./chaos/args";
import { checkStock, checkWebhookRecords, compare, payramCredit, type PayramPayment, type ShopSnapshot, type StockSnapshot } from "./chaos/compare";
import { depositCents, depositValueCents, FATE_NAMES, FATES, limitedStock, makePlan, piecesWanted, type FateSpec, type PaymentState } from "./chaos/plan";
import { deliveryStats, errorLines, failures, formatReport, type RunReport } from "./chaos/report";

const PRODUCTS = ["a", "b", "c", "d", "e"];

describe("chaos: the command line", () => {
  it("defaults to 200 orders on Postgres then SQLite, with a fixed seed", () => {
    const options = parseArgs([], {});
    expect(options).toMatchObject({ orders: 200, databases: ["postgres", "sqlite"], postgresRequired: false, postgresUrl: DEFAULT_POSTGRES_URL, instances: 2 });
    expect(parseArgs([], {}).seed).toBe(options.seed);
  });

  it("reads --flag value and --flag=value, and --sqlite / --db", () => {
    expect(parseArgs(["--orders", "30", "--seed=7", "--sqlite"], {})).toMatchObject({ orders: 30, seed: 7, databases: ["sqlite"] });
    expect(parseArgs(["--db", "postgres"], {})).toMatchObject({ databases: ["postgres"], postgresRequired: true });
    expect(parseArgs(["--db=both"], {})).toMatchObject({ databases: ["postgres", "sqlite"], postgresRequired: false });
  });

  it("takes the Postgres server from CHAOS_DATABASE_URL, then TEST_DATABASE_URL; REQUIRE_POSTGRES makes it required", () => {
    expect(parseArgs([], { TEST_DATABASE_URL: "postgres://t@127.0.0.1/test" }).postgresUrl).toBe("postgres://t@127.0.0.1/test");
    expect(parseArgs([], { TEST_DATABASE_URL: "postgres://t@127.0.0.1/test", CHAOS_DATABASE_URL: "postgres://c@127.0.0.1/x" }).postgresUrl).toBe("postgres://c@127.0.0.1/x");
    expect(parseArgs([], { REQUIRE_POSTGRES: "1" }).postgresRequired).toBe(true);
  });

  it("takes the emulator's profile with --profile (default docs-2026)", () => {
    expect(parseArgs([], {}).profile).toBe("docs-2026");
    expect(parseArgs(["--profile", "connector-2026"], {}).profile).toBe("connector-2026");
    expect(() => parseArgs(["--profile=shopify"], {})).toThrow("--profile must be docs-2026 or connector-2026");
  });

  it("refuses unknown options and bad values with a usage error", () => {
    expect(() => parseArgs(["--orders", "0"], {})).toThrow(UsageError);
    expect(() => parseArgs(["--orders", "ten"], {})).toThrow("--orders needs a whole number");
    expect(() => parseArgs(["--db", "mysql"], {})).toThrow("--db must be postgres, sqlite or both");
    expect(() => parseArgs(["--fast"], {})).toThrow("unknown option --fast");
  });
});

/** The emulator's state machine, reduced to what the plan needs. */
function settle(fate: (typeof FATE_NAMES)[number], total: number): PaymentState {
  const order = { partShare: 0.4, extraCents: 100, shortCents: 7 };
  let state: PaymentState = "OPEN";
  let filled = 0;
  for (const phase of FATES[fate].phases) {
    for (const action of phase) {
      if (action.kind === "pay_again") {
        expect(state).toBe("CANCELLED");
        [state, filled] = ["OPEN", 0];
      } else if (action.kind === "deposit") {
        expect(["OPEN", "PARTIALLY_FILLED"]).toContain(state);
        filled += depositCents(action.amount, total, order);
        state = filled < total ? "PARTIALLY_FILLED" : filled === total ? "FILLED" : "OVER_FILLED";
      } else {
        expect(["OPEN", "PARTIALLY_FILLED"]).toContain(state);
        state = "CANCELLED";
      }
    }
  }
  return state;
}

describe("chaos: the plan", () => {
  it("replays identically for a seed, and differs for another", () => {
    const a = makePlan({ orders: 50, seed: 1, products: PRODUCTS });
    expect(makePlan({ orders: 50, seed: 1, products: PRODUCTS })).toEqual(a);
    expect(makePlan({ orders: 50, seed: 2, products: PRODUCTS })).not.toEqual(a);
  });

  it("gives every fate at least one order once there are as many orders as fates", () => {
    const plan = makePlan({ orders: FATE_NAMES.length, seed: 3, products: PRODUCTS });
    expect(new Set(plan.map((order) => order.fate))).toEqual(new Set(FATE_NAMES));
  });

  it("fills carts with 1–3 distinct products, 1–3 of each", () => {
    for (const order of makePlan({ orders: 200, seed: 4, products: PRODUCTS })) {
      expect(order.lines.length).toBeGreaterThanOrEqual(1);
      expect(order.lines.length).toBeLessThanOrEqual(3);
      expect(new Set(order.lines.map(([slug]) => slug)).size).toBe(order.lines.length);
      for (const [, quantity] of order.lines) expect(quantity).toBeGreaterThanOrEqual(1);
      for (const [, quantity] of order.lines) expect(quantity).toBeLessThanOrEqual(3);
    }
  });

  it("puts the product of limited stock into its share of the orders, some wanting several, and gives it less stock than they want", () => {
    const plan = makePlan({ orders: 200, seed: 5, products: PRODUCTS, limited: { slug: "c", share: 0.4 } });
    const wanting = plan.filter((order) => order.lines.some(([slug]) => slug === "c"));
    expect(wanting.length).toBeGreaterThan(60);
    expect(wanting.length).toBeLessThan(100);
    expect(wanting.some((order) => order.lines.some(([slug, quantity]) => slug === "c" && quantity > 1))).toBe(true);
    for (const order of plan) expect(new Set(order.lines.map(([slug]) => slug)).size).toBe(order.lines.length);
    const pieces = piecesWanted(plan, "c");
    expect(limitedStock(plan, "c", 0.6)).toBe(Math.floor(pieces * 0.6));
    expect(limitedStock([], "c", 0.6)).toBe(1);
    // Some carts are filled before the checkouts begin, some right before paying.
    expect(new Set(plan.map((order) => order.earlyCart))).toEqual(new Set([true, false]));
  });

  it("keeps a part payment strictly between nothing and the total, even for tiny totals", () => {
    for (const share of [0, 0.05, 0.5, 0.95, 1]) {
      for (const total of [2, 3, 1499, 100_000]) {
        const part = depositCents("part", total, { partShare: share, extraCents: 1, shortCents: 2 });
        expect(part).toBeGreaterThanOrEqual(1);
        expect(part).toBeLessThan(total);
        expect(part + depositCents("rest", total, { partShare: share, extraCents: 1, shortCents: 2 })).toBe(total);
      }
    }
  });

  it("plays price drift and dust: what arrives at the quote decides the state, its USD value now only what PayRam reports it worth", () => {
    const order = { partShare: 0.4, extraCents: 150, shortCents: 7 };
    const part = depositCents("part", 4_250, order);
    expect(depositValueCents({ kind: "deposit", amount: "part", value: "rose" }, 4_250, order)).toBe(part + 150);
    expect(depositValueCents({ kind: "deposit", amount: "part", value: "fell" }, 4_250, order)).toBe(part - 150);
    expect(depositValueCents({ kind: "deposit", amount: "part", value: "fell" }, 4_250, { ...order, extraCents: 5_000 })).toBe(1);
    expect(depositValueCents({ kind: "deposit", amount: "rest" }, 4_250, order)).toBeUndefined();
    // Short by a few cents at the quote, yet worth the whole total now; the top-up is 1 cent.
    expect(depositCents("short_dust", 4_250, order)).toBe(4_243);
    expect(depositValueCents({ kind: "deposit", amount: "short_dust", value: "total" }, 4_250, order)).toBe(4_250);
    expect(depositCents("cent", 4_250, order)).toBe(1);
    // The top-up leaves it short at the quote for every planned shortfall (2–99 cents), while
    // its USD values now would reach the total.
    for (const planned of makePlan({ orders: 300, seed: 9, products: PRODUCTS })) {
      expect(planned.shortCents).toBeGreaterThanOrEqual(2);
      expect(planned.shortCents).toBeLessThanOrEqual(99);
      expect(depositCents("short_dust", 4_250, planned) + depositCents("cent", 4_250, planned)).toBeLessThan(4_250);
    }
    // Every drift fate's first deposit is worth something else now than what it counts for.
    for (const fate of ["drift_rise", "drift_fall", "dust_short"] as const) {
      const first = FATES[fate].phases[0]![0]!;
      expect(first.kind === "deposit" && first.value !== undefined).toBe(true);
    }
  });

  it("names every fate in a label that fits the table's column", () => {
    for (const fate of FATE_NAMES) expect(FATES[fate].label.length).toBeLessThan(28);
  });

  it.each(FATE_NAMES)("fate %s ends in the state it promises", (fate) => {
    expect(settle(fate, 4_250)).toBe(FATES[fate].expected);
  });
  it.each(FATE_NAMES.filter((fate) => (FATES[fate] as FateSpec).newReferenceTopUp))(
    "fate %s ends where it promises at an emulator that opens a new reference per top-up",
    async (fate) => {
      const spec: FateSpec = FATES[fate];
      // connector-2026's minute of confirmations, 500 times faster; phases wait for them as the run does.
      const emulator = await startEmulator({ port: 0, webhookUrls: [], profile: "connector-2026", config: { timeScale: 0.002 } });
      try {
        const total = 4_250;
        const ref = await createPayment(emulator, total);
        for (const phase of spec.phases) {
          await waitFor("the deposits to confirm", () => emulator.payments().every((payment) => payment.confirming.length === 0), 5_000);
          for (const action of phase) {
            if (action.kind !== "deposit") throw new Error(`unexpected ${action.kind}`);
            const order = { partShare: 0.4, extraCents: 100, shortCents: 7 };
            const value = depositValueCents(action, total, order);
            expect(emulator.deposit(ref, centsToDecimal(depositCents(action.amount, total, order)), value === undefined ? undefined : centsToDecimal(value)).ok).toBe(true);
          }
        }
        await waitFor("the deposits to confirm", () => emulator.payments().every((payment) => payment.confirming.length === 0), 5_000);
        expect(emulator.payment(ref)?.state).toBe(spec.newReferenceTopUp?.latest);
        expect(emulator.payments().filter((payment) => payment.topUpOf === ref).map((payment) => payment.state)).toEqual([spec.newReferenceTopUp?.topUp]);
      } finally {
        await emulator.close();
      }
    },
  );
});

async function createPayment(emulator: Emulator, cents: number): Promise<string> {
  const response = await fetch(`${emulator.url}/api/v1/payment`, {
    method: "POST",
    headers: { "API-Key": "emulator-dev-key", "Content-Type": "application/json" },
    body: JSON.stringify({ customerEmail: "chaos@example.com", customerID: "order_plan", amountInUSD: Number(centsToDecimal(cents)) }),
  });
  return ((await response.json()) as { reference_id: string }).reference_id;
}

const ORDER = { id: "order-1", number: 1001, total_cents: 5_000 };
const attempt = (state: string, received: number | null, extra: Partial<ShopSnapshot["attempts"][number]> = {}) => ({
  id: "att-1",
  order_id: "order-1",
  attempt_number: 1,
  state,
  reference_id: "ref-1",
  amount_cents: 5_000,
  amount_received_cents: received,
  ...extra,
});
const payment = (state: PaymentState, filledCents: number, extra: Partial<PayramPayment> = {}): PayramPayment => ({
  referenceId: "ref-1",
  state,
  amountCents: 5_000,
  filledCents,
  customerId: "order_1",
  topUpOf: null,
  ...extra,
});

describe("chaos: the comparison", () => {
  it("passes a paid order fulfilled once, agreeing with PayRam", () => {
    const shop: ShopSnapshot = {
      orders: [{ ...ORDER, paid_at: "2026-01-01T00:00:00.000Z" }],
      attempts: [attempt("FILLED", 5_000)],
      fulfilments: [{ order_id: "order-1", attempt_id: "att-1" }],
      attention: [],
    };
    const result = compare(shop, [payment("FILLED", 5_000)], new Map([["order-1", "filled" as const]]));
    expect(result.mismatches).toEqual([]);
    expect(result).toMatchObject({ paidOrders: 1, fulfilments: 1, payramPaid: 1, doubleFulfilments: 0, ordersWithTwoOpenAttempts: 0 });
    expect(result.byFate.filled).toEqual({ orders: 1, shop: { FILLED: 1 }, payram: { FILLED: 1 } });
  });

  it("names an order left behind PayRam: state, amount, paid, fulfilment and the totals", () => {
    const shop: ShopSnapshot = { orders: [{ ...ORDER, paid_at: null }], attempts: [attempt("OPEN", null)], fulfilments: [], attention: [] };
    const result = compare(shop, [payment("FILLED", 5_000)]);
    expect(result.mismatches.map((m) => m.check)).toEqual(["state", "received", "paid", "fulfilment", "totals"]);
    expect(result.mismatches[0]).toMatchObject({ orderNumber: 1001, orderId: "order-1", detail: "attempt 1 (ref-1): the shop says OPEN, PayRam FILLED" });
    expect(result.stateMismatches).toBe(1);
  });

  it("counts two open attempts, double fulfilments and payments no attempt knows", () => {
    const shop: ShopSnapshot = {
      orders: [{ ...ORDER, paid_at: "2026-01-01T00:00:00.000Z" }],
      attempts: [attempt("OPEN", null), attempt("FILLED", 5_000, { id: "att-2", attempt_number: 2, reference_id: "ref-2" })],
      fulfilments: [
        { order_id: "order-1", attempt_id: "att-2" },
        { order_id: "order-1", attempt_id: "att-2" },
      ],
      attention: [],
    };
    const result = compare(shop, [payment("OPEN", 0), payment("FILLED", 5_000, { referenceId: "ref-2" }), payment("OPEN", 0, { referenceId: "ref-x" })]);
    expect(result.ordersWithTwoOpenAttempts).toBe(0); // FILLED is not open
    expect(result.doubleFulfilments).toBe(1);
    expect(result.mismatches.map((m) => m.check)).toEqual(["double_fulfilment", "orphan_payment", "totals"]);

    const twoOpen = compare({ ...shop, attempts: [attempt("OPEN", null), attempt("PARTIALLY_FILLED", 10, { id: "att-2", attempt_number: 2, reference_id: "ref-2" })], fulfilments: [], orders: [{ ...ORDER, paid_at: null }] }, [
      payment("OPEN", 0),
      payment("PARTIALLY_FILLED", 10, { referenceId: "ref-2" }),
    ]);
    expect(twoOpen.ordersWithTwoOpenAttempts).toBe(1);
    expect(twoOpen.mismatches.map((m) => m.check)).toEqual(["two_open_attempts"]);
  });

  it("sums what PayRam received across an order's references: a top-up under a new reference pays the order", () => {
    const shop: ShopSnapshot = { orders: [{ ...ORDER, paid_at: null }], attempts: [attempt("PARTIALLY_FILLED", 2_000)], fulfilments: [], attention: [] };
    const payram = [payment("PARTIALLY_FILLED", 2_000), payment("FILLED", 3_000, { referenceId: "ref-top", amountCents: 3_000, topUpOf: "ref-1" })];
    const result = compare(shop, payram, new Map([["order-1", "filled_later" as const]]), { topUpAsNewReference: true });
    expect(result.mismatches.map((m) => [m.check, m.orderNumber])).toEqual([
      ["received_total", 1001],
      ["paid", 1001],
      ["fulfilment", 1001],
      ["orphan_payment", 1001],
      ["totals", null],
    ]);
    expect(result.mismatches[0]!.detail).toBe("PayRam received 5000 cents across 2 references (1 top-up under new references), the shop recorded 2000");
    expect(result.mismatches[3]!.detail).toContain("is a top-up of ref-1 under a new reference");

    // The shop that follows the top-up (what issue 17 is for) passes.
    const followed = compare(
      { orders: [{ ...ORDER, paid_at: "2026-01-01T00:00:00.000Z" }], attempts: [attempt("PARTIALLY_FILLED", 2_000), attempt("FILLED", 3_000, { id: "att-2", attempt_number: 2, reference_id: "ref-top", amount_cents: 3_000 })], fulfilments: [{ order_id: "order-1", attempt_id: "att-2" }], attention: [] },
      payram,
      new Map([["order-1", "filled_later" as const]]),
      { topUpAsNewReference: true },
    );
    expect(followed.mismatches).toEqual([]);
    // The shop applied the top-up first, then the first payment took the order past its total.
    const crossedByFirst = compare(
      { orders: [{ ...ORDER, paid_at: "2026-01-01T00:00:00.000Z" }], attempts: [attempt("PARTIALLY_FILLED", 2_000), attempt("FILLED", 3_000, { id: "att-2", attempt_number: 2, reference_id: "ref-top", amount_cents: 3_000 })], fulfilments: [{ order_id: "order-1", attempt_id: "att-1" }], attention: [] },
      payram,
      new Map([["order-1", "filled_later" as const]]),
      { topUpAsNewReference: true },
    );
    expect(crossedByFirst.mismatches).toEqual([]);

    // A top-up beyond the remainder: the surplus over the two references is flagged, or it is a mismatch.
    const surplus = [payment("PARTIALLY_FILLED", 2_000), payment("FILLED", 4_000, { referenceId: "ref-top", amountCents: 4_000, topUpOf: "ref-1" })];
    const paidShop = (attention: ShopSnapshot["attention"]): ShopSnapshot => ({
      orders: [{ ...ORDER, paid_at: "2026-01-01T00:00:00.000Z" }],
      attempts: [attempt("PARTIALLY_FILLED", 2_000), attempt("FILLED", 4_000, { id: "att-2", attempt_number: 2, reference_id: "ref-top", amount_cents: 4_000 })],
      fulfilments: [{ order_id: "order-1", attempt_id: "att-2" }],
      attention,
    });
    const unflagged = compare(paidShop([]), surplus, new Map(), { topUpAsNewReference: true });
    expect(unflagged.mismatches.map((m) => m.detail)).toEqual(["PayRam received 6000 cents over several references for 5000: no over-payment flag"]);
    expect(compare(paidShop([{ order_id: "order-1", attempt_id: "att-2", kind: "over_filled" }]), surplus, new Map(), { topUpAsNewReference: true }).mismatches).toEqual([]);
  });

  it("does not count a payment for another amount as paid, and checks the merchant's flags", () => {
    const shop: ShopSnapshot = { orders: [{ ...ORDER, paid_at: null }], attempts: [attempt("OVER_FILLED", 6_000)], fulfilments: [], attention: [] };
    const result = compare(shop, [payment("OVER_FILLED", 6_000, { amountCents: 4_000 })]);
    expect(result.payramPaid).toBe(0);
    expect(result.mismatches.map((m) => m.check)).toEqual(["attention"]);
    expect(result.mismatches[0]!.detail).toContain("over-payment flag missing");

    const cancelled = compare(
      { orders: [{ ...ORDER, paid_at: null }], attempts: [attempt("CANCELLED", 1_000)], fulfilments: [], attention: [{ order_id: "order-1", attempt_id: "att-1", kind: "cancelled_with_funds" }] },
      [payment("CANCELLED", 1_000)],
      new Map([["order-1", "cancelled_partial" as const]]),
    );
    expect(cancelled.mismatches).toEqual([]);
  });

  it("takes PayRam's verdict from its figures at the quote: a FILLED reference its ask, a short one what arrived", () => {
    const own = attempt("PARTIALLY_FILLED", 4_993);
    expect(payramCredit([payment("PARTIALLY_FILLED", 4_993), payment("FILLED", 1, { referenceId: "ref-top", amountCents: 1, topUpOf: "ref-1" })], [own])).toBe(4_994);
    expect(payramCredit([payment("FILLED", 5_000)], [attempt("FILLED", 5_000)])).toBe(5_000);
    expect(payramCredit([payment("OVER_FILLED", 5_300)], [attempt("OVER_FILLED", 5_300)])).toBe(5_300);
    // A payment the shop opened that PayRam holds for another amount credits nothing.
    expect(payramCredit([payment("FILLED", 4_000, { amountCents: 4_000 })], [attempt("FILLED", 4_000)])).toBe(0);
    // A cancelled payment credits what arrived; a new one after it, its ask.
    expect(payramCredit([payment("CANCELLED", 0), payment("FILLED", 5_000, { referenceId: "ref-2" })], [attempt("CANCELLED", 0), attempt("FILLED", 5_000, { reference_id: "ref-2" })])).toBe(5_000);
  });

  describe("price drift and dust top-ups, against PayRam's own verdict", () => {
    const paidAt = "2026-01-01T00:00:00.000Z";
    const options = { topUpAsNewReference: true };
    // dust_short under connector-2026: 49.93 arrived (worth 50.00 now), then a 1-cent top-up under a new reference.
    const dustPayram = [payment("PARTIALLY_FILLED", 4_993), payment("FILLED", 1, { referenceId: "ref-top", amountCents: 1, topUpOf: "ref-1" })];
    const dustShop = (paid: boolean, attention: ShopSnapshot["attention"] = []): ShopSnapshot => ({
      orders: [{ ...ORDER, paid_at: paid ? paidAt : null }],
      attempts: [attempt("PARTIALLY_FILLED", 4_993), attempt("FILLED", 1, { id: "att-2", attempt_number: 2, reference_id: "ref-top", amount_cents: 1 })],
      fulfilments: paid ? [{ order_id: "order-1", attempt_id: "att-2" }] : [],
      attention,
    });
    const dust = new Map([["order-1", "dust_short" as const]]);

    it("passes a dust order left short, although its 1-cent top-up is FILLED at PayRam", () => {
      const result = compare(dustShop(false), dustPayram, dust, options);
      expect(result.mismatches).toEqual([]);
      expect(result).toMatchObject({ paidOrders: 0, fulfilments: 0, payramPaid: 0 });
      expect(result.byFate.dust_short).toEqual({ orders: 1, shop: { FILLED: 1 }, payram: { FILLED: 1 } });
    });

    it("fails a dust order the shop fulfilled, or flagged with a surplus", () => {
      const paid = compare(dustShop(true), dustPayram, dust, options);
      expect(paid.mismatches.map((m) => m.check)).toEqual(["paid", "fulfilment", "totals"]);
      expect(paid.mismatches[0]!.detail).toBe("marked paid, but PayRam's figures at the quote make 4994 of 5000 cents over 2 references (PARTIALLY_FILLED, FILLED)");
      const surplus = compare(dustShop(false, [{ order_id: "order-1", attempt_id: "att-2", kind: "over_filled" }]), dustPayram, dust, options);
      expect(surplus.mismatches.map((m) => m.detail)).toEqual(["over-payment flagged, but PayRam received 4994 cents at the quote for 5000 (PARTIALLY_FILLED, FILLED): no surplus"]);
    });

    it("fails a dust order played on one reference (docs-2026) that the shop calls paid", () => {
      const shop: ShopSnapshot = { orders: [{ ...ORDER, paid_at: paidAt }], attempts: [attempt("PARTIALLY_FILLED", 4_994)], fulfilments: [{ order_id: "order-1", attempt_id: "att-1" }], attention: [] };
      const result = compare(shop, [payment("PARTIALLY_FILLED", 4_994)], dust);
      expect(result.mismatches.map((m) => m.check)).toEqual(["paid", "fulfilment", "totals"]);
      expect(compare({ ...shop, orders: [{ ...ORDER, paid_at: null }], fulfilments: [] }, [payment("PARTIALLY_FILLED", 4_994)], dust).mismatches).toEqual([]);
    });

    it("passes a drift order paid without a surplus, and fails one the shop flagged as over-paid", () => {
      // drift_rise under connector-2026: 20.00 arrived (worth 21.50 now), then the 30.00 rest under a new reference.
      const payram = [payment("PARTIALLY_FILLED", 2_000), payment("FILLED", 3_000, { referenceId: "ref-top", amountCents: 3_000, topUpOf: "ref-1" })];
      const shop = (attention: ShopSnapshot["attention"]): ShopSnapshot => ({
        orders: [{ ...ORDER, paid_at: paidAt }],
        attempts: [attempt("PARTIALLY_FILLED", 2_000), attempt("FILLED", 3_000, { id: "att-2", attempt_number: 2, reference_id: "ref-top", amount_cents: 3_000 })],
        fulfilments: [{ order_id: "order-1", attempt_id: "att-2" }],
        attention,
      });
      const drift = new Map([["order-1", "drift_rise" as const]]);
      expect(compare(shop([]), payram, drift, options).mismatches).toEqual([]);
      const flagged = compare(shop([{ order_id: "order-1", attempt_id: "att-2", kind: "over_filled" }]), payram, drift, options);
      expect(flagged.mismatches.map((m) => m.check)).toEqual(["attention"]);
      // On one reference (docs-2026): FILLED, and the shop's flag on it is a mismatch too.
      const one: ShopSnapshot = { orders: [{ ...ORDER, paid_at: paidAt }], attempts: [attempt("FILLED", 5_000)], fulfilments: [{ order_id: "order-1", attempt_id: "att-1" }], attention: [{ order_id: "order-1", attempt_id: "att-1", kind: "over_filled" }] };
      expect(compare(one, [payment("FILLED", 5_000)], drift).mismatches.map((m) => m.detail)).toEqual(["over-payment flagged, but PayRam received 5000 cents at the quote for 5000 (FILLED): no surplus"]);
      // Held for the merchant although PayRam's figures are clear: a mismatch.
      const held = compare({ ...one, attention: [{ order_id: "order-1", attempt_id: "att-1", kind: "amount_mismatch" }] }, [payment("FILLED", 5_000)], drift);
      expect(held.mismatches.map((m) => m.check)).toEqual(["attention"]);
    });
  });

  it("checks the shop's webhook records against the emulator's log", () => {
    expect(checkWebhookRecords({ accepted: 3, duplicate: 2, failed: 1 }, 6)).toEqual([]);
    expect(checkWebhookRecords({ accepted: 3, rejected: 1, received: 1 }, 4).map((m) => m.detail)).toEqual([
      '1 authentic deliveries refused (verdict "rejected")',
      '1 deliveries recorded but never settled (verdict "received")',
      "the shop recorded 5 deliveries, the emulator saw 4 answered",
    ]);
  });

  it("reports where PayRam did not end as planned (the driver's own check)", () => {
    const shop: ShopSnapshot = { orders: [{ ...ORDER, paid_at: null }], attempts: [attempt("OPEN", null)], fulfilments: [], attention: [] };
    expect(compare(shop, [payment("OPEN", 0)], new Map([["order-1", "cancelled" as const]])).mismatches.map((m) => m.check)).toEqual(["plan"]);
  });
});

describe("chaos: the stock check", () => {
  const PAID_AT = "2026-01-01T00:00:00.000Z";
  const RELEASED_AT = "2026-01-01T00:05:00.000Z";
  /** #1 paid (2 pieces, held), #2 open (1 piece, held), #3 expired with nothing received (3 pieces, released). */
  const shop = (): ShopSnapshot => ({
    orders: [
      { id: "o1", number: 1001, total_cents: 8_500, paid_at: PAID_AT, email: "a@example.com", cancelled_at: null },
      { id: "o2", number: 1002, total_cents: 4_250, paid_at: null, email: "b@example.com", cancelled_at: null },
      { id: "o3", number: 1003, total_cents: 12_750, paid_at: null, email: "c@example.com", cancelled_at: null },
    ],
    attempts: [
      attempt("FILLED", 8_500, { id: "a1", order_id: "o1", reference_id: "r1", amount_cents: 8_500 }),
      attempt("OPEN", null, { id: "a2", order_id: "o2", reference_id: "r2", amount_cents: 4_250 }),
      attempt("CANCELLED", 0, { id: "a3", order_id: "o3", reference_id: "r3", amount_cents: 12_750 }),
    ],
    fulfilments: [{ order_id: "o1", attempt_id: "a1" }],
    attention: [],
  });
  const stock = (overrides: Partial<StockSnapshot> = {}): StockSnapshot => ({
    productId: 2,
    name: "Ceramic Pour-Over Set",
    initial: 5,
    final: 2,
    lines: [
      { order_id: "o1", quantity: 2 },
      { order_id: "o2", quantity: 1 },
      { order_id: "o3", quantity: 3 },
    ],
    reservations: [
      { order_id: "o1", product_id: 2, quantity: 2, released_at: null },
      { order_id: "o2", product_id: 2, quantity: 1, released_at: null },
      { order_id: "o3", product_id: 2, quantity: 3, released_at: RELEASED_AT },
    ],
    soldOutEmails: ["d@example.com"],
    ...overrides,
  });
  const details = (snapshot: ShopSnapshot, state: StockSnapshot) => checkStock(snapshot, state).mismatches.map((m) => [m.orderNumber, m.detail]);

  it("passes when the stock and the reservations add up, paid and open orders hold theirs and the dead one gave its back", () => {
    const result = checkStock(shop(), stock());
    expect(result.mismatches).toEqual([]);
    expect(result).toMatchObject({ held: 3, holdingOrders: 2, ordersWith: 3, paidOrders: 1, paidPieces: 2, released: 1, outOfStock: 0 });
  });

  it("fails an oversold product, and pieces lost or made up (a release given back twice)", () => {
    expect(details(shop(), stock({ final: -1, reservations: stock().reservations.map((row) => ({ ...row, released_at: row.order_id === "o2" ? RELEASED_AT : row.released_at })) }))).toEqual([
      [null, "Ceramic Pour-Over Set (product 2) oversold: its stock is -1"],
      [null, "Ceramic Pour-Over Set (product 2): -1 in stock + 2 held by reservations = 1, but the run began with 5 (4 pieces lost)"],
      [1002, "can still be paid (a payment open) but holds 0 of its 1 Ceramic Pour-Over Set (product 2), and is not flagged out of stock"],
    ]);
    expect(details(shop(), stock({ final: 5 }))).toEqual([[null, "Ceramic Pour-Over Set (product 2): 5 in stock + 3 held by reservations = 8, but the run began with 5 (3 pieces made up)"]]);
    expect(details(shop(), stock({ final: null }))[0]).toEqual([null, "Ceramic Pour-Over Set (product 2) is no longer tracked at the end (it began with 5)"]);
  });

  it("fails a paid order that holds nothing, unless it is flagged out of stock", () => {
    const released = stock({ final: 4, reservations: stock().reservations.map((row) => ({ ...row, released_at: row.order_id === "o1" ? RELEASED_AT : row.released_at })) });
    expect(details(shop(), released)).toEqual([[1001, "can still be paid (paid) but holds 0 of its 2 Ceramic Pour-Over Set (product 2), and is not flagged out of stock"]]);
    const flagged = { ...shop(), attention: [{ order_id: "o1", attempt_id: "a1", kind: "out_of_stock", resolved_at: null }] };
    expect(checkStock(flagged, released)).toMatchObject({ mismatches: [], outOfStock: 1 });
    // Resolved by the merchant, the flag no longer explains it.
    expect(details({ ...flagged, attention: [{ ...flagged.attention[0]!, resolved_at: RELEASED_AT }] }, released)).toHaveLength(1);
  });

  it("fails an order that can no longer be paid and still holds its pieces, and one that holds more than it ordered", () => {
    const stillHeld = stock({ final: -1, reservations: stock().reservations.map((row) => ({ ...row, released_at: null })) });
    expect(details(shop(), stillHeld).slice(1)).toEqual([[1003, "can no longer be paid (not paid, no payment open (CANCELLED)), yet it still holds 3 pieces"]]);
    // Money on a payment that ended does not keep the stock either (issue 29.2): it stays refundable.
    const partlyPaid: ShopSnapshot = { ...shop(), attempts: shop().attempts.map((a) => (a.id === "a3" ? { ...a, amount_received_cents: 900 } : a)) };
    expect(details(partlyPaid, stillHeld).slice(1)).toEqual([[1003, "can no longer be paid (not paid, no payment open (CANCELLED; 900 cents received)), yet it still holds 3 pieces"]]);
    expect(checkStock(partlyPaid, stock()).mismatches).toEqual([]);
    const twice = stock({ final: 0, reservations: [...stock().reservations, { order_id: "o1", product_id: 2, quantity: 2, released_at: null }] });
    expect(details(shop(), twice)).toEqual([[1001, "holds 4 pieces of Ceramic Pour-Over Set (product 2) for the 2 it ordered"]]);
  });

  it("fails an order placed without reserving, paid pieces beyond the stock, and an order left by a checkout refused as sold out", () => {
    const unreserved = stock({ final: 3, reservations: stock().reservations.filter((row) => row.order_id !== "o1"), initial: 4 });
    expect(details(shop(), unreserved)).toEqual([
      [1001, "has 2 of Ceramic Pour-Over Set (product 2) but never reserved it"],
      [1001, "can still be paid (paid) but holds 0 of its 2 Ceramic Pour-Over Set (product 2), and is not flagged out of stock"],
    ]);
    // Three orders paid for 6 pieces of a stock of 5, one flagged: within the stock once the flag explains it.
    const allPaid: ShopSnapshot = { ...shop(), orders: shop().orders.map((order) => ({ ...order, paid_at: PAID_AT })) };
    const paidSnapshot = stock({ final: 1, initial: 5, reservations: stock().reservations.map((row) => ({ ...row, released_at: row.order_id === "o1" ? RELEASED_AT : null })) });
    expect(details(allPaid, paidSnapshot).map(([, detail]) => detail)).toEqual([
      "can still be paid (paid) but holds 0 of its 2 Ceramic Pour-Over Set (product 2), and is not flagged out of stock",
      "oversold: paid orders have 6 pieces of Ceramic Pour-Over Set (product 2), the run began with 5",
    ]);
    expect(checkStock({ ...allPaid, attention: [{ order_id: "o1", attempt_id: "a1", kind: "out_of_stock" }] }, paidSnapshot).mismatches).toEqual([]);
    expect(details(shop(), stock({ soldOutEmails: ["b@example.com"] }))).toEqual([[1002, "the checkout of b@example.com was refused as sold out, yet this order exists"]]);
  });
});

const entry = (values: Partial<DeliveryLogEntry>): DeliveryLogEntry => ({
  id: 0,
  deliveryId: 0,
  kind: "payment",
  referenceId: "ref",
  status: "FILLED",
  method: "POST",
  url: "http://127.0.0.1:3001/api/webhook",
  attempt: 1,
  outcome: "delivered",
  responseStatus: 200,
  error: null,
  signed: true,
  legacyHeader: true,
  fault: null,
  redelivery: false,
  progress: false,
  nextRetryInMs: null,
  gaveUp: false,
  at: "2026-01-01T00:00:00.000Z",
  durationMs: 1,
  ...values,
});

describe("chaos: the delivery log and the table", () => {
  it("counts events, lost deliveries, dropped attempts, duplicate copies, retries, progress deliveries and give-ups", () => {
    const stats = deliveryStats([
      entry({ deliveryId: 1 }),
      entry({ deliveryId: 2, attempt: 0, outcome: "dropped", fault: "lost", responseStatus: null, url: "http://127.0.0.1:3002/api/webhook" }),
      entry({ deliveryId: 7, attempt: 1, outcome: "dropped", fault: "dropped", responseStatus: null, nextRetryInMs: 0, progress: true }),
      entry({ deliveryId: 7, attempt: 2, fault: "dropped", progress: true }),
      entry({ deliveryId: 3, fault: "reordered", outcome: "failed", responseStatus: 503, nextRetryInMs: 0 }),
      entry({ deliveryId: 3, fault: "reordered", attempt: 2 }),
      entry({ deliveryId: 4, fault: "duplicate" }),
      entry({ deliveryId: 5, outcome: "failed", responseStatus: null, error: "ECONNREFUSED", gaveUp: true }),
      entry({ deliveryId: 6, kind: "ping" }),
    ]);
    expect(stats).toMatchObject({ events: 5, lost: 1, dropped: 1, progress: 1, sent: 4, duplicated: 1, reordered: 1, attempts: 6, delivered: 4, failedAttempts: 2, retries: 2, gaveUp: 1, answered: 5 });
    expect(stats.byUrl).toEqual({ "http://127.0.0.1:3001/api/webhook": 6 });
  });

  const report = (overrides: Partial<RunReport> = {}): RunReport => ({
    database: "postgres",
    profile: "docs-2026",
    readings: { topUps: 0, progressDeliveries: 0, silentCancellations: 0 },
    instances: ["http://127.0.0.1:3001", "http://127.0.0.1:3002"],
    orders: 1,
    seed: 1,
    backlog: 12,
    faults: "some",
    comparison: compare({ orders: [{ ...ORDER, paid_at: null }], attempts: [attempt("OPEN", null)], fulfilments: [], attention: [] }, [payment("OPEN", 0)], new Map([["order-1", "open" as const]])),
    behindBeforeSweep: 0,
    sweep: { rounds: 1, checked: 1, changed: 0, failed: 0 },
    deliveries: deliveryStats([entry({ deliveryId: 1 }), entry({ deliveryId: 2, url: "http://127.0.0.1:3002/api/webhook" })]),
    verdicts: { accepted: 2 },
    doubleSubmits: { tried: 0, resumed: 0 },
    payAgain: { tried: 0, opened: 0 },
    stock: {
      product: "Ceramic Pour-Over Set",
      initial: 5,
      final: 2,
      wantedBy: 4,
      soldOut: { atCart: 1, atCheckout: 2, payAgain: 0 },
      check: { held: 3, holdingOrders: 2, ordersWith: 3, paidOrders: 1, paidPieces: 2, released: 1, outOfStock: 0 },
    },
    problems: [],
    serverErrors: [],
    timings: [["servers", 1500]],
    durationMs: 2000,
    ...overrides,
  });

  it("prints a passing table with the counts per instance", () => {
    const text = formatReport(report());
    expect(failures(report())).toBe(0);
    expect(text).toContain("left open");
    expect(text).toMatch(/by instance: 3001 1, 3002 1/);
    expect(text).toMatch(/mismatches\s+0/);
    expect(text).toMatch(/sold out\s+3 checkouts \(1 when filling the cart, 2 at the checkout's reservation\)/);
    expect(text).toContain("Ceramic Pour-Over Set: 5 at the start for 4 planned orders, 2 at the end, 3 held by 2 orders");
    expect(text).toMatch(/result\s+PASS/);
  });

  it("picks the error-looking lines out of a server's output", () => {
    expect(errorLines(["▲ Next.js 16", "✓ Ready in 200ms", "⨯ Error: boom", "Sweep failed: x", "TypeError: y"])).toEqual(["⨯ Error: boom", "Sweep failed: x", "TypeError: y"]);
  });

  it("fails under another profile as under the default: every reading is the shop's to play", () => {
    const failing = report({
      profile: "connector-2026",
      comparison: compare({ orders: [{ ...ORDER, paid_at: null }], attempts: [attempt("OPEN", null)], fulfilments: [], attention: [] }, [payment("CANCELLED", 0)]),
    });
    const text = formatReport(failing);
    expect(failures(failing)).toBe(1);
    expect(text).toContain("  mismatching orders:");
    expect(text).toMatch(/result\s+FAIL$/m);
    expect(text).toContain("emulator profile: connector-2026");
  });

  it("lists the mismatching orders and fails", () => {
    const failing = report({
      comparison: compare({ orders: [{ ...ORDER, paid_at: null }], attempts: [attempt("OPEN", null)], fulfilments: [], attention: [] }, [payment("CANCELLED", 0)]),
    });
    const text = formatReport(failing);
    expect(failures(failing)).toBe(1);
    expect(text).toContain("#1001 (order-1) state: attempt 1 (ref-1): the shop says OPEN, PayRam CANCELLED");
    expect(text).toMatch(/result\s+FAIL/);
  });
});
