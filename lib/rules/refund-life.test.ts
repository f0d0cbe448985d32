import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { expect, it } from "vitest";
import {
  decide,
  ENDS,
  PAID_NOTHING,
  QUIET_MS,
  REFUND_STATUSES,
  RESEND_FOR_MS,
  type Decision,
  type RefundEvent,
  type RefundLife,
  type RefundStatus,
} from "./refund-life";

/** Runs per property. */
const RUNS = 1000;
const MINUTE = 60_000;

const PAYRAM_STATUSES = REFUND_STATUSES.filter((status) => status !== "requesting" && status !== "refused");
/** A PayRam payout status, as refundStatusOf can yield one (null: one the shop does not know). */
const payramStatus = fc.constantFrom<RefundStatus | null>(...PAYRAM_STATUSES, null);
const minutes = (max: number) => fc.integer({ min: 0, max }).map((m) => m * MINUTE);

const event: fc.Arbitrary<RefundEvent> = fc.oneof(
  payramStatus.map((status) => ({ type: "payout" as const, status })),
  fc.boolean().map((firstTry) => ({ type: "refused" as const, firstTry })),
  fc.boolean().map((conflict) => ({ type: "no-answer" as const, conflict })),
  fc.record({ type: fc.constant("listed-none" as const), cause: fc.constantFrom("refused" as const, "merchant" as const, "key" as const, "conflict" as const), unsureTryAgeMs: minutes(10) }),
  fc.constant({ type: "list-unreadable" as const }),
  minutes(3 * 24 * 60).map((now) => ({ type: "due" as const, now })),
  fc.record({ type: fc.constant("retry" as const), now: minutes(3 * 24 * 60), sentBefore: fc.boolean() }),
  fc.constant({ type: "end" as const }),
);

const START: RefundLife = { status: "requesting", payout: false, createdAt: 0, lastSentAt: null };

/** One step as lib/refunds applies it: a create sent moves the time of the last try. */
function step(life: RefundLife, ev: RefundEvent): Decision {
  const decision = decide(life, ev);
  if (decision.action.do === "send" && "now" in ev) return { ...decision, next: { ...decision.next, lastSentAt: ev.now } };
  return decision;
}

function live(events: RefundEvent[], from = START): { life: RefundLife; decisions: Decision[] } {
  let life = from;
  const decisions: Decision[] = [];
  for (const ev of events) {
    const decision = step(life, ev);
    decisions.push(decision);
    life = decision.next;
  }
  return { life, decisions };
}

/** Any state a refund can reach: its life from the start under any events. */
const reachable = fc.array(event, { maxLength: 40 }).map((events) => live(events).life);

it("every reachable refund ends once PayRam answers definitively or its list is read, whatever came before", () => {
  // PayRam's definitive answers to what the shop does next: a create is answered with a payout or
  // refused, a payout read is in a final status, the list read back shows none (its last try
  // long enough ago). A life left waiting (stopped re-sends, a list that could not tell) is ended
  // by the merchant, which reads the list.
  const oracle = fc.record({
    toSend: fc.oneof(payramStatus.map((status): RefundEvent => ({ type: "payout", status })), fc.constant<RefundEvent>({ type: "refused", firstTry: false })),
    final: fc.constantFrom<RefundStatus>("processed", "failed", "rejected", "cancelled"),
  });
  fc.assert(
    fc.property(reachable, fc.array(event, { maxLength: 20 }), oracle, (start, noise, answers) => {
      const lived = live(noise, start);
      let life = lived.life;
      const decisions = lived.decisions;
      let last: Decision = decisions.at(-1) ?? { next: life, action: { do: "nothing" } };
      for (let turn = 0; turn < 8 && !ENDS.has(life.status); turn++) {
        const action = last.action;
        const ev: RefundEvent =
          action.do === "send"
            ? answers.toSend
            : action.do === "lookup"
              ? { type: "listed-none", cause: action.cause, unsureTryAgeMs: QUIET_MS }
              : action.do === "read" || life.payout || life.status !== "requesting"
                ? { type: "payout", status: answers.final }
                : { type: "end" };
        last = step(life, ev);
        life = last.next;
      }
      expect(ENDS.has(life.status), JSON.stringify(life)).toBe(true);
    }),
    { numRuns: RUNS },
  );
});

it("every state not ended has one definitive event that ends it", () => {
  fc.assert(
    fc.property(reachable, (life) => {
      if (ENDS.has(life.status)) return;
      if (life.payout || life.status !== "requesting") {
        expect(ENDS.has(decide(life, { type: "payout", status: "processed" }).next.status)).toBe(true);
      } else {
        // The merchant's end: the list is read, and shows none.
        const asked = decide(life, { type: "end" });
        expect(asked.action).toEqual({ do: "lookup", cause: "merchant" });
        expect(decide(life, { type: "listed-none", cause: "merchant", unsureTryAgeMs: QUIET_MS }).next.status).toBe("refused");
      }
    }),
    { numRuns: RUNS },
  );
});

it("automatic re-sends back off and stop: none past RESEND_FOR_MS, a bounded number before", () => {
  const sweeps = fc.array(fc.integer({ min: 0, max: 10 * 24 * 60 }), { minLength: 1, maxLength: 400 }).map((times) => [...new Set(times)].sort((a, b) => a - b));
  fc.assert(
    fc.property(sweeps, fc.array(fc.boolean(), { maxLength: 400 }), (times, byMerchant) => {
      let life = START;
      let sends = 0;
      times.forEach((minute, index) => {
        const now = minute * MINUTE;
        const ev: RefundEvent = byMerchant[index] ? { type: "retry", now, sentBefore: life.lastSentAt !== null } : { type: "due", now };
        const decision = step(life, ev);
        if (decision.action.do === "send") {
          if (ev.type === "due") sends++;
          expect(now - life.createdAt).toBeLessThanOrEqual(RESEND_FOR_MS);
        }
        // PayRam never answers (503, time-outs).
        life = step(decision.next, { type: "no-answer", conflict: false }).next;
      });
      // 2 minutes, growing with the refund's age to 30, for 6 hours: at most ~25 sweeps send.
      expect(sends).toBeLessThanOrEqual(25);
    }),
    { numRuns: RUNS },
  );
});

it("a payout PayRam shows always wins over the shop's own end, and nothing else ends a refund PayRam has a payout for", () => {
  fc.assert(
    fc.property(reachable, payramStatus, event, (life, status, other) => {
      const { next, action } = decide(life, { type: "payout", status });
      expect(next.payout).toBe(true);
      if (life.status === "refused") {
        expect(next.status).toBe(status ?? "requesting");
        if (status === null || !PAID_NOTHING.has(status)) expect(action).toEqual({ do: "paid-after-end" });
      }
      // A payout that pays keeps its amount held (never "refundable again"), unless PayRam itself ended it before.
      if (status !== null && !PAID_NOTHING.has(status) && !["processed", "failed", "rejected", "cancelled"].includes(life.status)) {
        expect(PAID_NOTHING.has(next.status)).toBe(false);
      }
      // With a payout known, only PayRam's payout moves it: no refusal, lookup or merchant ends it.
      if (other.type !== "payout" && next.status !== "refused") expect(decide(next, other).next.status).toBe(next.status);
    }),
    { numRuns: RUNS },
  );
});

it("the rules are pure: lib/rules/refund-life.ts and refundable.ts import no I/O", () => {
  for (const file of ["refund-life.ts", "refundable.ts"]) {
    const source = readFileSync(join(import.meta.dirname, file), "utf8");
    const imports = [...source.matchAll(/\bfrom\s*["']([^"']+)["']/g)].map((match) => match[1]);
    expect(imports.every((target) => target === "./refund-life" || target === "./money"), `${file}: ${imports.join(", ")}`).toBe(true);
  }
});
