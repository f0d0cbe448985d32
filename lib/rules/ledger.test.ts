import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { centsToDecimal } from "./money";
import { nextState, type PayramState } from "./states";
import { exactFromCents, exactToDecimal, floorCents, parseExact, sumExact } from "./exact";
import { arrivedCents, decide, isPaid, type EntryState, type LedgerEntry, type Verdict } from "./ledger";

/** Runs per property: the verdict is pure and fast, so many. */
const RUNS = 1000;

const entry = (fields: Partial<LedgerEntry> & Pick<LedgerEntry, "state">): LedgerEntry => ({
  reference: "ref",
  origin: "checkout",
  shopAskedCents: 949,
  payramAskedCents: 949,
  receivedAtQuote: null,
  receivedUsd: null,
  ...fields,
});

describe("the ledger's verdict, by example (each reading of PayRam's contract §8)", () => {
  it("a FILLED reference credits what PayRam asked, whatever its USD value now (M1)", () => {
    const risen = entry({ state: "FILLED", receivedAtQuote: "9.49", receivedUsd: "10.09" });
    expect(decide(949, [risen])).toEqual({ kind: "paid", receivedCents: 949, missingCents: 0, surplusCents: 0 });
    // An asset PayRam gives no quote value for: the same.
    expect(decide(949, [{ ...risen, receivedAtQuote: null }])).toMatchObject({ kind: "paid", receivedCents: 949 });
  });

  it("a short reference is short by what PayRam says is missing at the quote, though its USD value now is above the ask (M1)", () => {
    expect(decide(949, [entry({ state: "CANCELLED", receivedAtQuote: "9.00", receivedUsd: "9.60" })])).toEqual({ kind: "short", receivedCents: 900, missingCents: 49, surplusCents: 0 });
  });

  it("without a quote value, a short reference whose USD value now reaches the ask is held, with both figures", () => {
    const verdict = decide(949, [entry({ state: "PARTIALLY_FILLED", receivedUsd: "9.60" })]);
    expect(verdict).toMatchObject({ kind: "held", reason: "drift" });
    expect((verdict as Extract<Verdict, { kind: "held" }>).detail).toMatch(/9\.60 USD arrived .* of 9\.49 USD asked/);
  });

  it("the same-reference reading: a top-up fills the first reference", () => {
    expect(decide(949, [entry({ state: "PARTIALLY_FILLED", receivedAtQuote: "8.40", receivedUsd: "9.49" })])).toMatchObject({ kind: "short", missingCents: 109 });
    expect(decide(949, [entry({ state: "FILLED", receivedAtQuote: "9.49", receivedUsd: "10.58" })])).toMatchObject({ kind: "paid" });
  });

  it("the new-reference reading: a 1-cent top-up is FILLED by construction, and pays nothing it did not bring (M2)", () => {
    const first = entry({ state: "PARTIALLY_FILLED", receivedAtQuote: "8.40", receivedUsd: "9.49" });
    const topUp = entry({ reference: "top-up", origin: "payram", state: "FILLED", shopAskedCents: 1, payramAskedCents: 1, receivedAtQuote: "0.01", receivedUsd: "0.01" });
    expect(decide(949, [first, topUp])).toEqual({ kind: "short", receivedCents: 841, missingCents: 108, surplusCents: 0 });
    const rest = { ...topUp, shopAskedCents: 109, payramAskedCents: 109, receivedAtQuote: "1.09", receivedUsd: "1.09" };
    expect(decide(949, [first, rest])).toMatchObject({ kind: "paid", receivedCents: 949 });
  });

  it("a surplus only where PayRam's figures show one: OVER_FILLED, or PayRam's amounts beyond the total", () => {
    expect(decide(949, [entry({ state: "OVER_FILLED", receivedAtQuote: "12.00", receivedUsd: "12.00" })])).toMatchObject({ kind: "surplus", surplusCents: 251, detail: "received 12.00 USD for 9.49 USD: 2.51 USD more" });
    const topUp = entry({ reference: "top-up", origin: "payram", state: "FILLED", shopAskedCents: 949, receivedAtQuote: "9.49", receivedUsd: "9.49" });
    expect(decide(949, [entry({ state: "PARTIALLY_FILLED", receivedAtQuote: "5.00", receivedUsd: "5.00" }), topUp])).toMatchObject({
      kind: "surplus",
      surplusCents: 500,
      detail: "received 14.49 USD over all its payments for 9.49 USD: 5.00 USD more",
    });
  });

  it("a reference the shop opened that PayRam holds for another amount holds the order (never fulfilled automatically)", () => {
    expect(decide(949, [entry({ state: "OVER_FILLED", payramAskedCents: 100, receivedAtQuote: "2.00", receivedUsd: "2.00" })])).toMatchObject({
      kind: "held",
      reason: "amount_mismatch",
      detail: "PayRam's payment is for 1.00 USD, the order's for 9.49 USD: not fulfilled automatically",
    });
  });

  it("rounds once, down: sub-cent amounts neither reach the total early nor refund more than arrived (L3)", () => {
    const short = (receivedUsd: string, reference: string) => entry({ reference, state: "CANCELLED", receivedUsd });
    expect(decide(949, [short("4.995", "a")])).toMatchObject({ kind: "short", receivedCents: 499, missingCents: 450 });
    // Three references of x.xx5 each: half a cent each, rounded half up they would reach 9.49.
    expect(decide(949, [short("3.165", "a"), short("3.165", "b"), short("3.155", "c")])).toMatchObject({ kind: "short", receivedCents: 948, missingCents: 1 });
  });
});

// ---------------------------------------------------------------------------------------------
// Properties. A small model of PayRam plays a shopper's transfers under each reading of §8, and
// the shop's view of it is built the way the sync builds it (forward-only, nextState).

/** A transfer: worth `quoteCents` at the quote (whole cents: PayRam asks whole cents for a top-up), and `nowMicros` micro-USD now. */
interface Transfer {
  quoteCents: number;
  nowMicros: number;
}

const usdOfMicros = (micros: number) => exactToDecimal(BigInt(micros) * 10n ** 12n);

/** The reference's state at PayRam for what arrived at the quote. */
function stateFor(askedCents: number, quoteCents: number, expired: boolean): EntryState {
  if (quoteCents === askedCents) return "FILLED";
  if (quoteCents > askedCents) return "OVER_FILLED";
  return expired ? "CANCELLED" : quoteCents > 0 ? "PARTIALLY_FILLED" : "OPEN";
}

/**
 * PayRam's references once the transfers arrived: under reading A ("same") every transfer adds to
 * the checkout's reference; under reading B ("new") a transfer to a reference no longer OPEN opens
 * a new request for what it brings (FILLED by construction). `expired`: the checkout's reference
 * expired after the last transfer if it was still short. `atQuote`: the asset is a stablecoin.
 */
function payram(totalCents: number, transfers: readonly Transfer[], reading: "same" | "new", expired: boolean, atQuote = true): LedgerEntry[] {
  const value = (quote: number, now: number) => ({ receivedAtQuote: atQuote && quote > 0 ? centsToDecimal(quote) : null, receivedUsd: now > 0 || quote > 0 ? usdOfMicros(now) : null });
  const groups: Transfer[][] = reading === "same" ? [transfers.slice()] : [transfers.slice(0, 1), ...transfers.slice(1).map((t) => [t])];
  return groups.map((group, i) => {
    const quote = group.reduce((sum, t) => sum + t.quoteCents, 0);
    const now = group.reduce((sum, t) => sum + t.nowMicros, 0);
    const asked = i === 0 ? totalCents : quote;
    return {
      reference: `ref-${i}`,
      origin: i === 0 ? "checkout" : "payram",
      state: stateFor(asked, quote, i === 0 && expired),
      shopAskedCents: asked,
      payramAskedCents: asked,
      ...value(quote, now),
    };
  });
}

/** Transfers a shopper makes until the order is paid: every one but the last leaves it short. */
const transfersFor = (totalCents: number) =>
  fc
    .array(
      fc.record({ quoteCents: fc.integer({ min: 1, max: totalCents + 500 }), driftBps: fc.integer({ min: -3000, max: 3000 }), subCentMicros: fc.integer({ min: 0, max: 9_999 }) }),
      { minLength: 1, maxLength: 6 },
    )
    .map((raw) => {
      const transfers: Transfer[] = [];
      let sum = 0;
      for (const t of raw) {
        if (sum >= totalCents) break;
        // Now: the quote value moved by up to ±30 %, with digits below the cent.
        const nowMicros = Math.max(0, Math.round((t.quoteCents * 10_000 * (10_000 + t.driftBps)) / 10_000) + t.subCentMicros);
        transfers.push({ quoteCents: t.quoteCents, nowMicros });
        sum += t.quoteCents;
      }
      return transfers;
    });

const scenario = fc
  .integer({ min: 100, max: 100_000 })
  .chain((totalCents) => fc.record({ totalCents: fc.constant(totalCents), transfers: transfersFor(totalCents), expired: fc.boolean() }));

/** The comparable part of a verdict. */
const money = (v: Verdict) => ({ paid: isPaid(v), kind: v.kind, receivedCents: v.receivedCents, missingCents: v.missingCents, surplusCents: v.surplusCents });

/** The same money in one transfer: its quote values and its values now added up. */
const merged = (transfers: readonly Transfer[]): Transfer[] => [
  { quoteCents: transfers.reduce((s, t) => s + t.quoteCents, 0), nowMicros: transfers.reduce((s, t) => s + t.nowMicros, 0) },
];

describe("properties of the ledger's verdict", () => {
  it(`the same money in one transfer or several gives the same verdict and the same amount received (${RUNS} runs per reading)`, () => {
    for (const reading of ["same", "new"] as const) {
      fc.assert(
        fc.property(scenario, ({ totalCents, transfers, expired }) => {
          expect(money(decide(totalCents, payram(totalCents, transfers, reading, expired)))).toEqual(money(decide(totalCents, payram(totalCents, merged(transfers), reading, expired))));
        }),
        { numRuns: RUNS },
      );
    }
  });

  it(`the same money under either reading of top-ups (same reference, new reference) gives the same verdict (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(scenario, ({ totalCents, transfers, expired }) => {
        expect(money(decide(totalCents, payram(totalCents, transfers, "new", expired)))).toEqual(money(decide(totalCents, payram(totalCents, transfers, "same", expired))));
      }),
      { numRuns: RUNS },
    );
  });

  it(`any order of deliveries, with duplicates and stale replays, gives the verdict of PayRam's final word (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(
        scenario.chain((s) => {
          // PayRam's answers about each reference over time: after each transfer, then the final one.
          const history: LedgerEntry[][] = [];
          for (let n = 1; n <= s.transfers.length; n++) history.push(payram(s.totalCents, s.transfers.slice(0, n), "new", false));
          history.push(payram(s.totalCents, s.transfers, "new", s.expired));
          const answers = history.flat();
          const final = history.at(-1)!;
          return fc.record({
            s: fc.constant(s),
            final: fc.constant(final),
            // Deliveries: any answers, in any order, any number of times; each reference's final
            // answer at least once (the sweep reads it in the end).
            deliveries: fc.shuffledSubarray(answers).chain((some) => {
              const all = [...some, ...some, ...final];
              return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
            }),
          });
        }),
        ({ s, final, deliveries }) => {
          const shop = new Map<string, LedgerEntry>();
          for (const answer of deliveries) {
            const known = shop.get(answer.reference!);
            const current = known ?? { ...answer, state: "OPEN" as const, receivedAtQuote: null, receivedUsd: null };
            const to = nextState({ state: current.state, attempt_number: 1, amount_received_cents: arrivedCents(current), origin: "checkout" }, answer.state as PayramState, arrivedCents(answer));
            if (to !== null) shop.set(answer.reference!, { ...current, state: to, receivedAtQuote: answer.receivedAtQuote, receivedUsd: answer.receivedUsd });
            else if (!known) shop.set(answer.reference!, current);
          }
          expect(money(decide(s.totalCents, [...shop.values()]))).toEqual(money(decide(s.totalCents, final)));
        },
      ),
      { numRuns: RUNS },
    );
  });

  const anyEntry = fc.record({
    reference: fc.uuid(),
    origin: fc.constantFrom("checkout" as const, "payram" as const, "remaining" as const),
    state: fc.constantFrom<EntryState>("STARTING", "START_FAILED", "OPEN", "PARTIALLY_FILLED", "FILLED", "OVER_FILLED", "CANCELLED"),
    shopAskedCents: fc.integer({ min: 1, max: 50_000 }),
    payramAskedCents: fc.option(fc.integer({ min: 1, max: 50_000 }), { nil: null }),
    receivedAtQuote: fc.option(fc.integer({ min: 0, max: 60_000_000 }).map(usdOfMicros), { nil: null }),
    receivedUsd: fc.option(fc.integer({ min: 0, max: 60_000_000 }).map(usdOfMicros), { nil: null }),
  });

  /** What PayRam reports a reference brought, at most: its ask when filled, else the larger of its figures. */
  const reported = (e: LedgerEntry) => {
    const figures = [parseExact(e.receivedAtQuote) ?? 0n, parseExact(e.receivedUsd) ?? 0n];
    const asked = e.payramAskedCents ?? (e.origin === "payram" ? e.shopAskedCents : null);
    if (asked !== null && (e.state === "FILLED" || e.state === "OVER_FILLED")) figures.push(exactFromCents(asked));
    if (e.state === "FILLED" && asked !== null) return exactFromCents(asked);
    return figures.reduce((a, b) => (a > b ? a : b));
  };

  it(`credit never exceeds what PayRam reports, and a surplus never exceeds what arrived beyond the total (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.array(anyEntry, { maxLength: 5 }), (totalCents, entries) => {
        const verdict = decide(totalCents, entries);
        const most = floorCents(sumExact(entries.map(reported)));
        expect(verdict.receivedCents).toBeLessThanOrEqual(most);
        expect(verdict.surplusCents).toBeLessThanOrEqual(Math.max(0, most - totalCents));
        if (isPaid(verdict)) expect(verdict.receivedCents).toBeGreaterThanOrEqual(totalCents);
        if (verdict.kind === "short") expect(verdict.receivedCents + verdict.missingCents).toBe(totalCents);
      }),
      { numRuns: RUNS },
    );
  });

  it(`paid only on PayRam's own figures: never by USD values now alone (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.array(anyEntry, { maxLength: 5 }), (totalCents, entries) => {
        // Every USD value now, doubled: a price rise changes no verdict to paid.
        const risen = entries.map((e) => ({ ...e, receivedUsd: e.receivedUsd && exactToDecimal(parseExact(e.receivedUsd)! * 2n) }));
        if (!isPaid(decide(totalCents, entries))) expect(isPaid(decide(totalCents, risen))).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });
});
