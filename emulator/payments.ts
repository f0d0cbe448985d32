import { randomUUID } from "node:crypto";
import type { Cents } from "./money";
import { depositAddressFor, sourceAddressFor, txHashFor } from "./identifiers";
import type { RuntimeConfig } from "./runtime-config";

export const PAYMENT_STATES = ["OPEN", "PARTIALLY_FILLED", "FILLED", "OVER_FILLED", "CANCELLED"] as const;
export type PaymentState = (typeof PAYMENT_STATES)[number];
const TERMINAL: ReadonlySet<PaymentState> = new Set(["FILLED", "OVER_FILLED", "CANCELLED"]);
export const isTerminal = (state: PaymentState): boolean => TERMINAL.has(state);

export interface Currency {
  symbol: string;
  name: string;
  decimals: number;
}
/** Stablecoins only, priced 1:1 with USD, so crypto amounts stay exact. */
export const CURRENCIES: Record<string, Currency> = {
  USDC: { symbol: "USDC", name: "USD Coin", decimals: 6 },
  USDT: { symbol: "USDT", name: "Tether USD", decimals: 6 },
};
export const DEFAULT_CURRENCY = "USDC";
export const DEFAULT_NETWORK = "BASE";
const DEFAULT_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** setTimeout cannot wait longer than ~24.8 days; longer expiries re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface Deposit {
  /** What the transfer counts for toward the payment (its crypto at the quoted price). */
  amountCents: Cents;
  /** What PayRam reports it worth in USD (filledAmountInUSD): the price may have moved since the quote. */
  valueCents: Cents;
  txHash: string;
  sourceAddress: string;
  blockNumber: number;
  at: Date;
}

/** A deposit seen on chain and still confirming: it counts once `confirmAt` has passed. */
export interface PendingDeposit extends Deposit {
  confirmAt: number;
}

export type CancelCause = "cancelled" | "expired" | "replaced";

export interface Payment {
  referenceId: string;
  invoiceId: string;
  customerId: string;
  customerEmail: string;
  amountCents: Cents;
  currency: Currency;
  network: string;
  state: PaymentState;
  deposits: Deposit[];
  createdAt: Date;
  /** Microseconds within the second, so createdAt can be printed with µs as PayRam does. */
  createdAtMicros: number;
  expiresAt: Date;
  depositAddress: string;
  /** PayRam reports depositAddress only once the shopper picked an asset (opened the page here). */
  addressShown: boolean;
  cancelCause: CancelCause | null;
  updatedAt: Date;
  /** Deposits still confirming (confirmations.durationMs > 0). */
  pending: PendingDeposit[];
  /** The underpaid payment whose top-up created this one (api.topUp "new-reference"), else null. */
  topUpOf: string | null;
  /** The status endpoint reports UNDEFINED until the payment next changes (control route). */
  reportUndefined: boolean;
}

export const filledCents = (payment: Payment): Cents => payment.deposits.reduce((sum, d) => sum + d.amountCents, 0);
/** What PayRam reports received in USD: each deposit at its value (the quote's, unless the price moved). */
export const filledUsdCents = (payment: Payment): Cents => payment.deposits.reduce((sum, d) => sum + d.valueCents, 0);
export const remainingCents = (payment: Payment): Cents => Math.max(0, payment.amountCents - filledCents(payment));

export interface PaymentChange {
  payment: Payment;
  previousState: PaymentState;
  cause: "deposit" | CancelCause;
  /** The deposit went through a confirmation window (its final delivery then carries 0/0 confirmations). */
  confirmed: boolean;
}

/** The confirmations a status body or webhook shows: rising while a deposit confirms, then all of them. */
export function confirmationsOf(payment: Payment, config: Pick<RuntimeConfig, "confirmations" | "timeScale">, now = Date.now()): { current: number; required: number } {
  const required = config.confirmations.required;
  const confirming = payment.pending[0];
  if (!confirming) return { current: payment.deposits.length > 0 ? required : 0, required };
  const window = Math.max(1, confirming.confirmAt - confirming.at.getTime());
  const elapsed = Math.max(0, now - confirming.at.getTime());
  return { current: Math.min(required - 1, Math.floor((elapsed / window) * required)), required };
}

export interface NewPayment {
  customerId: string;
  customerEmail: string;
  amountCents: Cents;
  invoiceId?: string;
  expiresAt?: Date;
  currency?: Currency;
  network?: string;
}

export type OperationResult = { ok: true; payment: Payment } | { ok: false; reason: "not-found" | "terminal"; payment?: Payment };

/** Microseconds within the current millisecond, for createdAt printed with µs as PayRam does. */
const microsNow = () => Math.floor((performance.timeOrigin + performance.now()) * 1000) % 1000;

type StoreConfig = Pick<RuntimeConfig, "api" | "confirmations" | "timeScale">;

/** Every payment of the one project, its state machine, and expiry (lazy on every access + timers). */
export class PaymentStore {
  private readonly payments = new Map<string, Payment>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Confirmation and progress timers of deposits still confirming. */
  private readonly confirming = new Set<NodeJS.Timeout>();
  private nextBlock = 30_000_000;

  constructor(
    private readonly config: () => StoreConfig,
    private readonly onChange: (change: PaymentChange) => void,
    /** A deposit is confirming: a progress delivery is due. */
    private readonly onProgress: (payment: Payment) => void = () => {},
  ) {}

  create(input: NewPayment): Payment {
    this.expireDue();
    const now = new Date();
    const referenceId = randomUUID();
    const payment: Payment = {
      referenceId,
      invoiceId: input.invoiceId ?? referenceId,
      customerId: input.customerId,
      customerEmail: input.customerEmail,
      amountCents: input.amountCents,
      currency: input.currency ?? (CURRENCIES[DEFAULT_CURRENCY] as Currency),
      network: input.network ?? DEFAULT_NETWORK,
      state: "OPEN",
      deposits: [],
      createdAt: now,
      createdAtMicros: microsNow(),
      expiresAt: input.expiresAt ?? new Date(now.getTime() + DEFAULT_LIFETIME_MS),
      depositAddress: depositAddressFor(referenceId),
      addressShown: input.currency !== undefined,
      cancelCause: null,
      updatedAt: now,
      pending: [],
      topUpOf: null,
      reportUndefined: false,
    };
    // PayRam cancels the same customer's other open payments when a new one is created; which
    // ones is a reading (api.cancelOnCreate): its connector's core cancels only OPEN ones.
    const openOnly = this.config().api.cancelOnCreate === "open-only";
    for (const other of this.payments.values()) {
      if (other.customerId !== payment.customerId || isTerminal(other.state)) continue;
      if (openOnly && other.state !== "OPEN") continue;
      this.close(other, "replaced");
    }
    return this.add(payment);
  }

  private add(payment: Payment): Payment {
    this.payments.set(payment.referenceId, payment);
    this.armExpiry(payment);
    return payment;
  }

  /**
   * A deposit to an underpaid payment's address under api.topUp "new-reference": PayRam's core
   * matches deposits only to OPEN requests, so it opens a new request (new reference, same
   * customer, no invoice) for the amount received. The first payment stays PARTIALLY_FILLED, and
   * nothing of the customer's is cancelled (this is no API create).
   */
  private createTopUp(first: Payment, amountCents: Cents): Payment {
    const now = new Date();
    const referenceId = randomUUID();
    const payment: Payment = {
      ...first,
      referenceId,
      invoiceId: "",
      amountCents,
      state: "OPEN",
      deposits: [],
      pending: [],
      createdAt: now,
      createdAtMicros: microsNow(),
      expiresAt: new Date(now.getTime() + DEFAULT_LIFETIME_MS),
      addressShown: true,
      cancelCause: null,
      updatedAt: now,
      topUpOf: first.referenceId,
      reportUndefined: false,
    };
    return this.add(payment);
  }

  get(referenceId: string): Payment | undefined {
    this.expireDue();
    return this.payments.get(referenceId);
  }

  list(): Payment[] {
    this.expireDue();
    return [...this.payments.values()];
  }

  /**
   * A transfer arrives. The answer's payment is the one that took it: under api.topUp
   * "new-reference" a deposit to a payment that is no longer OPEN lands on a new payment request.
   */
  deposit(referenceId: string, amountCents: Cents, valueCents: Cents = amountCents): OperationResult {
    const first = this.get(referenceId);
    if (!first) return { ok: false, reason: "not-found" };
    if (isTerminal(first.state)) return { ok: false, reason: "terminal", payment: first };
    const config = this.config();
    const payment = config.api.topUp === "new-reference" && first.state !== "OPEN" ? this.createTopUp(first, amountCents) : first;
    const index = payment.deposits.length + payment.pending.length;
    const deposit: Deposit = {
      amountCents,
      valueCents,
      txHash: txHashFor(payment.referenceId, index),
      sourceAddress: sourceAddressFor(payment.referenceId, index),
      blockNumber: this.nextBlock++,
      at: new Date(),
    };
    payment.addressShown = true;
    const window = Math.round(config.confirmations.durationMs * config.timeScale);
    if (window <= 0) this.settle(payment, deposit, false);
    else this.confirm(payment, { ...deposit, confirmAt: deposit.at.getTime() + window }, Math.round(config.confirmations.progressEveryMs * config.timeScale));
    return { ok: true, payment };
  }

  /** The state stays put while the deposit confirms; progress deliveries go out every `progressMs`. */
  private confirm(payment: Payment, deposit: PendingDeposit, progressMs: number): void {
    payment.pending.push(deposit);
    const tick = () => {
      if (!payment.pending.includes(deposit)) return;
      if (Date.now() >= deposit.confirmAt) {
        payment.pending.splice(payment.pending.indexOf(deposit), 1);
        if (!isTerminal(payment.state)) this.settle(payment, deposit, true);
        return;
      }
      // A timer may fire a little early: without progress deliveries, just wait out the rest.
      if (progressMs > 0) this.onProgress(payment);
      this.after(tick, Math.min(progressMs || Infinity, deposit.confirmAt - Date.now()));
    };
    this.after(tick, progressMs > 0 ? 0 : deposit.confirmAt - Date.now());
  }

  private after(run: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.confirming.delete(timer);
      run();
    }, Math.max(0, ms));
    this.confirming.add(timer);
  }

  private settle(payment: Payment, deposit: Deposit, confirmed: boolean): void {
    payment.deposits.push(deposit);
    const previousState = payment.state;
    const filled = filledCents(payment);
    payment.state = filled < payment.amountCents ? "PARTIALLY_FILLED" : filled === payment.amountCents ? "FILLED" : "OVER_FILLED";
    payment.updatedAt = new Date();
    payment.reportUndefined = false;
    if (isTerminal(payment.state)) this.disarmExpiry(payment.referenceId);
    this.onChange({ payment, previousState, cause: "deposit", confirmed });
  }

  cancel(referenceId: string, cause: "cancelled" | "expired" = "cancelled"): OperationResult {
    const payment = this.get(referenceId);
    if (!payment) return { ok: false, reason: "not-found" };
    if (isTerminal(payment.state)) return { ok: false, reason: "terminal", payment };
    this.close(payment, cause);
    return { ok: true, payment };
  }

  /** Makes the payment's `expire` moment now, so it expires as PayRam would. */
  expireNow(referenceId: string): OperationResult {
    const payment = this.get(referenceId);
    if (!payment) return { ok: false, reason: "not-found" };
    if (isTerminal(payment.state)) return { ok: false, reason: "terminal", payment };
    payment.expiresAt = new Date();
    this.close(payment, "expired");
    return { ok: true, payment };
  }

  /** The status endpoint reports PayRam's UNDEFINED state for this payment until it next changes (or `on` is false). */
  reportUndefined(referenceId: string, on: boolean): OperationResult {
    const payment = this.get(referenceId);
    if (!payment) return { ok: false, reason: "not-found" };
    payment.reportUndefined = on;
    return { ok: true, payment };
  }

  /** The shopper opened the hosted page: from now on the status reports the deposit address. */
  markAddressShown(payment: Payment): void {
    payment.addressShown = true;
  }

  /** Cancels every open payment whose `expire` has passed. Called on every access. */
  expireDue(): void {
    const now = Date.now();
    for (const payment of this.payments.values()) {
      if (!isTerminal(payment.state) && payment.expiresAt.getTime() <= now) this.close(payment, "expired");
    }
  }

  /** Expiry and confirmation timers armed (for close() checks). */
  timerCount(): number {
    return this.timers.size + this.confirming.size;
  }

  clear(): void {
    for (const timer of [...this.timers.values(), ...this.confirming]) clearTimeout(timer);
    this.timers.clear();
    this.confirming.clear();
    this.payments.clear();
  }

  private close(payment: Payment, cause: CancelCause): void {
    const previousState = payment.state;
    // Money already on chain still counts: a cancelled payment keeps what was received.
    payment.deposits.push(...payment.pending.splice(0));
    payment.state = "CANCELLED";
    payment.cancelCause = cause;
    payment.updatedAt = new Date();
    payment.reportUndefined = false;
    this.disarmExpiry(payment.referenceId);
    this.onChange({ payment, previousState, cause, confirmed: false });
  }

  private armExpiry(payment: Payment): void {
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, payment.expiresAt.getTime() - Date.now()));
    const timer = setTimeout(() => {
      this.timers.delete(payment.referenceId);
      if (isTerminal(payment.state)) return;
      if (payment.expiresAt.getTime() <= Date.now()) this.close(payment, "expired");
      else this.armExpiry(payment);
    }, wait);
    this.timers.set(payment.referenceId, timer);
  }

  private disarmExpiry(referenceId: string): void {
    const timer = this.timers.get(referenceId);
    if (timer) clearTimeout(timer);
    this.timers.delete(referenceId);
  }
}
