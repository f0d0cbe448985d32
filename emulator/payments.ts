import { randomUUID } from "node:crypto";
import type { Cents } from "./money";
import { depositAddressFor, sourceAddressFor, txHashFor } from "./identifiers";

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
export const CONFIRMATIONS_REQUIRED = 1;
const DEFAULT_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** setTimeout cannot wait longer than ~24.8 days; longer expiries re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface Deposit {
  amountCents: Cents;
  txHash: string;
  sourceAddress: string;
  blockNumber: number;
  at: Date;
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
}

export const filledCents = (payment: Payment): Cents => payment.deposits.reduce((sum, d) => sum + d.amountCents, 0);
export const remainingCents = (payment: Payment): Cents => Math.max(0, payment.amountCents - filledCents(payment));

export interface PaymentChange {
  payment: Payment;
  previousState: PaymentState;
  cause: "deposit" | CancelCause;
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

/** Every payment of the one project, its state machine, and expiry (lazy on every access + timers). */
export class PaymentStore {
  private readonly payments = new Map<string, Payment>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private nextBlock = 30_000_000;

  constructor(private readonly onChange: (change: PaymentChange) => void) {}

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
      createdAtMicros: Math.floor((performance.timeOrigin + performance.now()) * 1000) % 1000,
      expiresAt: input.expiresAt ?? new Date(now.getTime() + DEFAULT_LIFETIME_MS),
      depositAddress: depositAddressFor(referenceId),
      addressShown: input.currency !== undefined,
      cancelCause: null,
      updatedAt: now,
    };
    // PayRam cancels the same customer's other open payments when a new one is created.
    for (const other of this.payments.values()) {
      if (other.customerId === payment.customerId && !isTerminal(other.state)) this.close(other, "replaced");
    }
    this.payments.set(referenceId, payment);
    this.armExpiry(payment);
    return payment;
  }

  get(referenceId: string): Payment | undefined {
    this.expireDue();
    return this.payments.get(referenceId);
  }

  list(): Payment[] {
    this.expireDue();
    return [...this.payments.values()];
  }

  deposit(referenceId: string, amountCents: Cents): OperationResult {
    const payment = this.get(referenceId);
    if (!payment) return { ok: false, reason: "not-found" };
    if (isTerminal(payment.state)) return { ok: false, reason: "terminal", payment };
    const index = payment.deposits.length;
    payment.deposits.push({
      amountCents,
      txHash: txHashFor(referenceId, index),
      sourceAddress: sourceAddressFor(referenceId, index),
      blockNumber: this.nextBlock++,
      at: new Date(),
    });
    payment.addressShown = true;
    const previousState = payment.state;
    const filled = filledCents(payment);
    payment.state = filled < payment.amountCents ? "PARTIALLY_FILLED" : filled === payment.amountCents ? "FILLED" : "OVER_FILLED";
    payment.updatedAt = new Date();
    if (isTerminal(payment.state)) this.disarmExpiry(referenceId);
    this.onChange({ payment, previousState, cause: "deposit" });
    return { ok: true, payment };
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

  /** Expiry timers armed (for close() checks). */
  timerCount(): number {
    return this.timers.size;
  }

  clear(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.payments.clear();
  }

  private close(payment: Payment, cause: CancelCause): void {
    const previousState = payment.state;
    payment.state = "CANCELLED";
    payment.cancelCause = cause;
    payment.updatedAt = new Date();
    this.disarmExpiry(payment.referenceId);
    this.onChange({ payment, previousState, cause });
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
