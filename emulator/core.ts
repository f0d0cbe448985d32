import type { ServerResponse } from "node:http";
import { FaultDice } from "./faults";
import { parseUsdCents } from "./money";
import { confirmationsOf, PaymentStore, type OperationResult, type Payment, type PaymentChange } from "./payments";
import { payoutControlView, payoutWebhookPayload } from "./payout-wire";
import { PayoutStore, type Payout } from "./payouts";
import { applyConfigPatch, type ConfigResult, type RuntimeConfig } from "./runtime-config";
import type { Settings } from "./settings";
import { Stats } from "./stats";
import { WebhookDispatcher } from "./webhooks";
import { controlView, statusBody, webhookPayload } from "./wire";

/** The emulator's state and the operations on it, shared by the HTTP routes and the programmatic API. */
export class EmulatorCore {
  config: RuntimeConfig;
  readonly dice: FaultDice;
  readonly stats = new Stats();
  readonly store: PaymentStore;
  readonly payouts: PayoutStore;
  readonly webhooks: WebhookDispatcher;
  /** Answers held open by the "hang" fault; ended on reset and close. */
  readonly hanging = new Set<ServerResponse>();
  private readonly waits = new Map<NodeJS.Timeout, (done: boolean) => void>();

  constructor(
    readonly settings: Settings,
    readonly publicUrl: string,
  ) {
    this.config = structuredClone(settings.initialConfig);
    this.dice = new FaultDice(this.config.faults.seed);
    this.store = new PaymentStore(
      () => this.config,
      (change) => this.paymentChanged(change),
      (payment) => this.paymentConfirming(payment),
    );
    this.webhooks = new WebhookDispatcher(settings.apiKey, () => this.config, this.dice, (line) => this.log(line));
    this.payouts = new PayoutStore(
      () => this.config.payouts,
      (payout, event) => this.payoutChanged(payout, event),
    );
  }

  log(line: string): void {
    this.settings.log?.(line);
  }

  /** Injected latency: resolves true after `ms`, or false if reset/close cut it short. */
  wait(ms: number): Promise<boolean> {
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waits.delete(timer);
        resolve(true);
      }, ms);
      this.waits.set(timer, resolve);
    });
  }

  /** GET /api/v1/payment/reference/{id}'s body, in the configured shape. */
  statusBody(payment: Payment): Record<string, unknown> {
    return statusBody(payment, this.config.project, this.config.api, confirmationsOf(payment, this.config));
  }

  view(referenceId: string) {
    const payment = this.store.get(referenceId);
    return payment ? controlView(payment, this.publicUrl, this.config.api) : undefined;
  }

  views() {
    return this.store.list().map((payment) => controlView(payment, this.publicUrl, this.config.api));
  }

  /** A shopper's transfer of `amountInUSD` (string or number, at most 2 decimals, > 0) arrives. */
  /** `valueInUSD`: what PayRam reports the transfer worth, if the price moved since the quote (else its amount). */
  deposit(referenceId: string, amountInUSD: unknown, valueInUSD?: unknown): OperationResult | { ok: false; reason: "bad-amount" } {
    const cents = parseUsdCents(amountInUSD);
    const value = valueInUSD === undefined ? cents : parseUsdCents(valueInUSD);
    if (cents === null || cents <= 0 || value === null || value <= 0) return { ok: false, reason: "bad-amount" };
    return this.store.deposit(referenceId, cents, value);
  }

  payoutView(id: number) {
    const payout = this.payouts.get(id);
    return payout ? payoutControlView(payout, this.webhooks.deliveryStatus(String(id))) : undefined;
  }

  payoutViews() {
    return this.payouts.list().map((payout) => payoutControlView(payout, this.webhooks.deliveryStatus(String(payout.id))));
  }

  setConfig(patch: unknown): ConfigResult {
    const profile = typeof patch === "object" && patch !== null && "profile" in patch ? patch.profile : this.config.profile;
    if (profile !== this.config.profile) return { ok: false, error: "profile: chosen at start (--profile / EMULATOR_PROFILE); change single settings instead" };
    const result = applyConfigPatch(this.config, patch);
    if (!result.ok) return result;
    const seedGiven = typeof patch === "object" && patch !== null && "faults" in patch && typeof patch.faults === "object" && patch.faults !== null && "seed" in patch.faults;
    this.config = result.config;
    if (seedGiven) this.dice.reseed(this.config.faults.seed);
    return result;
  }

  /** Payments, payouts, deliveries, stats and config back to the start settings. */
  reset(): void {
    this.endHanging();
    this.store.clear();
    this.payouts.clear();
    this.webhooks.reset();
    this.stats.reset();
    this.config = structuredClone(this.settings.initialConfig);
    this.dice.reseed(this.config.faults.seed);
  }

  /** Everything that would keep running: timers, deliveries in flight, hung answers. 0 after close(). */
  pendingWork(): number {
    return this.store.timerCount() + this.webhooks.pendingCount() + this.waits.size + this.hanging.size;
  }

  close(): void {
    this.endHanging();
    this.store.clear();
    this.webhooks.close();
  }

  private endHanging(): void {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    for (const [timer, resolve] of this.waits) {
      clearTimeout(timer);
      resolve(false);
    }
    this.waits.clear();
  }

  /** Every payout change is a signed payout.<event> webhook, retried along the start of the schedule. */
  private payoutChanged(payout: Payout, event: string): void {
    const payload = payoutWebhookPayload(payout, event, new Date());
    this.webhooks.payoutChange(String(payout.id), String(payload.event_type), payload, this.config.payouts.webhookRetries);
  }

  private paymentChanged({ payment, confirmed }: PaymentChange): void {
    // After a confirmation window the final delivery carries 0 of 0 confirmations, as PayRam's
    // sources describe it (the rest of its shape is our assumption: emulator/README.md).
    const confirmations = confirmed ? { current: 0, required: 0 } : confirmationsOf(payment, this.config);
    const payload = webhookPayload(payment, this.config.api, new Date(), confirmations);
    this.webhooks.paymentEvent(payment.referenceId, String(payload.status), payment.state === "CANCELLED", payload);
  }

  /** A progress delivery while a deposit confirms: the state so far, confirmations rising, sometimes no payment_info. */
  private paymentConfirming(payment: Payment): void {
    const withoutInfo = this.dice.roll(this.config.confirmations.progressWithoutPaymentInfoRate);
    const payload = webhookPayload(payment, this.config.api, new Date(), confirmationsOf(payment, this.config), withoutInfo ? false : "with-pending");
    this.webhooks.paymentEvent(payment.referenceId, String(payload.status), false, payload, true);
  }
}
