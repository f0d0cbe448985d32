import { createHash } from "node:crypto";
import { addDecimal, compareDecimal, multiplyDecimal, parseDecimal, roundDecimal, ZERO, type Decimal } from "./decimal";
import type { RuntimeConfig } from "./runtime-config";

/**
 * Payouts (PayRam >= 3.6, the contract's §9): what exists, the approval rules, the lifecycle.
 * A refund is a payout to the shopper's wallet. Amounts are in crypto units, exact decimals.
 */

export const PAYOUT_STATUSES = [
  "pending-otp-verification",
  "pending-approval",
  "pending",
  "initiated",
  "sent",
  "processed",
  "failed",
  "rejected",
  "cancelled",
] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];
const TERMINAL: ReadonlySet<PayoutStatus> = new Set(["processed", "failed", "rejected", "cancelled"]);
export const isFinalPayout = (status: PayoutStatus): boolean => TERMINAL.has(status);

export interface PayoutAsset {
  blockchainCode: string;
  currencyCode: string;
  walletPrecision: number;
  /** Stablecoins are priced 1:1 with USD; the others at payouts.prices. */
  stable: boolean;
}

/** The networks and tokens PayRam lists for payouts (BTC payouts are not supported). */
export const PAYOUT_ASSETS: readonly PayoutAsset[] = [
  { blockchainCode: "ETH", currencyCode: "ETH", walletPrecision: 8, stable: false },
  { blockchainCode: "ETH", currencyCode: "USDC", walletPrecision: 6, stable: true },
  { blockchainCode: "ETH", currencyCode: "USDT", walletPrecision: 6, stable: true },
  { blockchainCode: "BASE", currencyCode: "ETH", walletPrecision: 8, stable: false },
  { blockchainCode: "BASE", currencyCode: "USDC", walletPrecision: 6, stable: true },
  { blockchainCode: "POLYGON", currencyCode: "POL", walletPrecision: 8, stable: false },
  { blockchainCode: "POLYGON", currencyCode: "USDC", walletPrecision: 6, stable: true },
  { blockchainCode: "POLYGON", currencyCode: "USDT", walletPrecision: 6, stable: true },
  { blockchainCode: "TRX", currencyCode: "TRX", walletPrecision: 6, stable: false },
  { blockchainCode: "TRX", currencyCode: "USDT", walletPrecision: 6, stable: true },
];
export const PAYOUT_CHAINS = ["ETH", "BASE", "POLYGON", "TRX"] as const;
export const PAYOUT_CURRENCIES = ["USDC", "USDT", "ETH", "POL", "TRX"] as const;

export const findAsset = (blockchainCode: string, currencyCode: string): PayoutAsset | undefined =>
  PAYOUT_ASSETS.find((asset) => asset.blockchainCode === blockchainCode && asset.currencyCode === currencyCode);

type PayoutSettings = RuntimeConfig["payouts"];

/** USD per unit, as text: "1.0" for stablecoins (as PayRam's ticker writes it), else payouts.prices. */
export function priceOf(asset: PayoutAsset, settings: PayoutSettings): string {
  return asset.stable ? "1.0" : settings.prices[asset.currencyCode as keyof PayoutSettings["prices"]];
}

/** The exact USD value of `amount` units of `asset` (not rounded). */
export function usdValue(amount: Decimal, asset: PayoutAsset, settings: PayoutSettings): Decimal {
  return multiplyDecimal(amount, parseDecimal(priceOf(asset, settings)) ?? ZERO);
}

/* ---------- addresses ---------- */

const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest();

function base58Decode(text: string): Buffer | null {
  let value = 0n;
  for (const char of text) {
    const digit = BASE58.indexOf(char);
    if (digit === -1) return null;
    value = value * 58n + BigInt(digit);
  }
  const hex = value === 0n ? "" : value.toString(16);
  const bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex");
  const zeros = text.length - text.replace(/^1+/, "").length;
  return Buffer.concat([Buffer.alloc(zeros), bytes]);
}

function base58Encode(bytes: Buffer): string {
  let value = BigInt(`0x${bytes.toString("hex") || "0"}`);
  let text = "";
  while (value > 0n) {
    text = BASE58[Number(value % 58n)] + text;
    value /= 58n;
  }
  for (const byte of bytes) {
    if (byte !== 0) break;
    text = `1${text}`;
  }
  return text;
}

/** A TRON address: base58check of 0x41 + 20 bytes. */
function isTronAddress(address: string): boolean {
  if (!/^T[1-9A-HJ-NP-Za-km-z]{33}$/.test(address)) return false;
  const bytes = base58Decode(address);
  if (!bytes || bytes.length !== 25 || bytes[0] !== 0x41) return false;
  const checksum = sha256(sha256(bytes.subarray(0, 21))).subarray(0, 4);
  return checksum.equals(bytes.subarray(21));
}

/** EVM addresses: 0x + 40 hex digits, any case (the EIP-55 checksum is not checked here). TRON: base58check. */
export function isValidAddress(blockchainCode: string, address: string): boolean {
  if (blockchainCode === "TRX") return isTronAddress(address);
  return /^0x[0-9a-fA-F]{40}$/.test(address);
}

/** The same address written the same way (EVM addresses are case-insensitive). */
export const canonicalAddress = (blockchainCode: string, address: string): string => (blockchainCode === "TRX" ? address : address.toLowerCase());

/** A made-up but valid-looking address for `seed` on the chain (the hot wallet, test recipients). */
export function addressFor(blockchainCode: string, seed: string): string {
  const digest = sha256(Buffer.from(`payram-emulator:wallet:${seed}`)).subarray(0, 20);
  if (blockchainCode !== "TRX") return `0x${digest.toString("hex")}`;
  const payload = Buffer.concat([Buffer.from([0x41]), digest]);
  return base58Encode(Buffer.concat([payload, sha256(sha256(payload)).subarray(0, 4)]));
}

export function payoutTxHash(blockchainCode: string, id: number): string {
  const hex = sha256(Buffer.from(`payram-emulator:payout-tx:${id}`)).toString("hex");
  return blockchainCode === "TRX" ? hex : `0x${hex}`;
}

/* ---------- payouts ---------- */

export interface NewPayout {
  email: string;
  blockchainCode: string;
  currencyCode: string;
  /** Crypto units at the asset's walletPrecision. */
  amount: Decimal;
  toAddress: string;
  customerId: string;
  mobileNumber: string | null;
  residentialAddress: string | null;
}

export interface PayoutHistoryEntry {
  status: PayoutStatus;
  at: string;
}

export interface Payout extends NewPayout {
  id: number;
  asset: PayoutAsset;
  status: PayoutStatus;
  /** USD value at creation, rounded to cents (amount × the ticker price). */
  amountUsd: Decimal;
  fromAddress: string;
  txHash: string | null;
  failureReason: string | null;
  approvalReason: string | null;
  idempotencyKey: string | null;
  /** Where the key came from: the Idempotency-Key header or the body's idempotencyKey. */
  idempotencyKeySource: "header" | "body" | null;
  createdAt: Date;
  updatedAt: Date;
  history: PayoutHistoryEntry[];
}

export const PAYOUT_ACTIONS = ["approve", "reject", "cancel", "fail", "initiate", "send", "process"] as const;
export type PayoutAction = (typeof PAYOUT_ACTIONS)[number];

/** Each control action: the statuses it may start from, where it leads, and the webhook event label. */
export const PAYOUT_TRANSITIONS: Record<PayoutAction, { from: readonly PayoutStatus[]; to: PayoutStatus; event: string }> = {
  approve: { from: ["pending-approval"], to: "pending", event: "approved" },
  reject: { from: ["pending-approval"], to: "rejected", event: "rejected" },
  cancel: { from: ["pending-otp-verification", "pending-approval", "pending"], to: "cancelled", event: "cancelled" },
  fail: { from: ["pending", "initiated", "sent"], to: "failed", event: "failed" },
  initiate: { from: ["pending"], to: "initiated", event: "initiated" },
  send: { from: ["initiated"], to: "sent", event: "sent" },
  process: { from: ["sent"], to: "processed", event: "processed" },
};

export type PayoutActionResult =
  | { ok: true; payout: Payout }
  | { ok: false; reason: "not-found" }
  | { ok: false; reason: "illegal"; payout: Payout; allowedFrom: readonly PayoutStatus[] };

/** A payout changed: `event` is the webhook label (payout.<event>). */
export type PayoutListener = (payout: Payout, event: string) => void;

const HOUR_MS = 60 * 60 * 1000;
const COUNTED_AGAINST_LIMITS = (payout: Payout) => !["failed", "rejected", "cancelled"].includes(payout.status);

export class PayoutStore {
  private payouts = new Map<number, Payout>();
  private byKey = new Map<string, number>();
  private nextId = 101;

  constructor(
    private readonly settings: () => PayoutSettings,
    private readonly changed: PayoutListener,
  ) {}

  get(id: number): Payout | undefined {
    return this.payouts.get(id);
  }

  withKey(key: string): Payout | undefined {
    const id = this.byKey.get(key);
    return id === undefined ? undefined : this.payouts.get(id);
  }

  list(): Payout[] {
    return [...this.payouts.values()];
  }

  /** An identical payout (address, amount, currency, chain) created less than duplicateWindowMs ago. */
  findDuplicate(request: NewPayout, now = Date.now()): Payout | undefined {
    const window = this.settings().duplicateWindowMs;
    const address = canonicalAddress(request.blockchainCode, request.toAddress);
    return this.list().find(
      (payout) =>
        now - payout.createdAt.getTime() < window &&
        payout.blockchainCode === request.blockchainCode &&
        payout.currencyCode === request.currencyCode &&
        canonicalAddress(payout.blockchainCode, payout.toAddress) === address &&
        compareDecimal(payout.amount, request.amount) === 0,
    );
  }

  /** Why this payout needs a human: over the auto-approve limit or the hourly/daily limits; null if auto-approved. */
  approvalReason(usd: Decimal, now = Date.now()): string | null {
    const settings = this.settings();
    const limit = (text: string) => parseDecimal(text) ?? ZERO;
    if (compareDecimal(usd, limit(settings.autoApproveLimitUsd)) > 0) return `amount exceeds the auto-approve limit of $${settings.autoApproveLimitUsd}`;
    const since = (ms: number) =>
      this.list()
        .filter((payout) => COUNTED_AGAINST_LIMITS(payout) && now - payout.createdAt.getTime() < ms)
        .reduce((sum, payout) => addDecimal(sum, payout.amountUsd), usd);
    if (compareDecimal(since(HOUR_MS), limit(settings.hourlyLimitUsd)) > 0) return `hourly payout limit of $${settings.hourlyLimitUsd} reached`;
    if (compareDecimal(since(24 * HOUR_MS), limit(settings.dailyLimitUsd)) > 0) return `daily payout limit of $${settings.dailyLimitUsd} reached`;
    return null;
  }

  create(request: NewPayout, asset: PayoutAsset, key: { value: string; source: "header" | "body" } | null): Payout {
    const now = new Date();
    const amountUsd = roundDecimal(usdValue(request.amount, asset, this.settings()), 2);
    const approvalReason = this.approvalReason(usdValue(request.amount, asset, this.settings()), now.getTime());
    const status: PayoutStatus = approvalReason ? "pending-approval" : "pending";
    const id = this.nextId++;
    const payout: Payout = {
      ...request,
      id,
      asset,
      status,
      amountUsd,
      fromAddress: addressFor(request.blockchainCode, `hot-wallet:${request.blockchainCode}`),
      txHash: null,
      failureReason: null,
      approvalReason,
      idempotencyKey: key?.value ?? null,
      idempotencyKeySource: key?.source ?? null,
      createdAt: now,
      updatedAt: now,
      history: [{ status, at: now.toISOString() }],
    };
    this.payouts.set(id, payout);
    if (key) this.byKey.set(key.value, id);
    // Auto-approved payouts announce their approval; the others that they wait for one.
    this.changed(payout, approvalReason ? "pending-approval" : "approved");
    return payout;
  }

  /** A control action; illegal ones (e.g. processed -> failed) change nothing. */
  act(id: number, action: PayoutAction, failureReason?: string): PayoutActionResult {
    const payout = this.payouts.get(id);
    if (!payout) return { ok: false, reason: "not-found" };
    const transition = PAYOUT_TRANSITIONS[action];
    if (!transition.from.includes(payout.status)) return { ok: false, reason: "illegal", payout, allowedFrom: transition.from };
    const now = new Date();
    payout.status = transition.to;
    payout.updatedAt = now;
    payout.history.push({ status: transition.to, at: now.toISOString() });
    // The transaction exists once the payout is initiated (§9: "initiated (txHash set)").
    if (action === "initiate") payout.txHash = payoutTxHash(payout.blockchainCode, payout.id);
    if (action === "fail") payout.failureReason = failureReason ?? "transaction failed on chain";
    if (action === "reject") payout.failureReason = failureReason ?? "rejected by the merchant";
    this.changed(payout, transition.event);
    return { ok: true, payout };
  }

  clear(): void {
    this.payouts = new Map();
    this.byKey = new Map();
    // Ids keep rising across resets, so a shop database kept between test cases never sees one twice.
  }
}
