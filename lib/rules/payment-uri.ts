/**
 * The "Open in wallet" link for a deposit: one table of chains and tokens, one builder. Pure and
 * browser-safe. Amounts are exact decimal strings turned into integer base units with BigInt —
 * never a float (1.08 USDC is 1080000 units, not 1079999.9999).
 *
 * - ERC-20 tokens on EVM chains: EIP-681, `ethereum:<contract>@<chainId>/transfer?address=<to>&uint256=<units>`.
 * - A chain's native coin on an EVM chain: EIP-681, `ethereum:<to>@<chainId>?value=<wei>`.
 * - Bitcoin: BIP21, `bitcoin:<address>?amount=<btc>`.
 * - TRON: no link (TronLink refuses `tron:` links); the shopper copies the address.
 */

interface EvmChain {
  kind: "evm";
  name: string;
  chainId: number;
  /** The chain's own coin (ETH, POL, BNB), in 18 decimals. */
  native: string;
  /** ERC-20 tokens: contract address and decimals on this chain. */
  tokens: Record<string, { contract: string; decimals: number }>;
}
interface OtherChain {
  kind: "bitcoin" | "tron";
  name: string;
  tokens: Record<string, { decimals: number }>;
}

/** An EVM chain: its ERC-20 tokens as symbol → [contract address, decimals on this chain]. */
const evm = (name: string, chainId: number, native: string, tokens: Record<string, [contract: string, decimals: number]>): EvmChain => ({
  kind: "evm",
  name,
  chainId,
  native,
  tokens: Object.fromEntries(Object.entries(tokens).map(([symbol, [contract, decimals]]) => [symbol, { contract, decimals }])),
});

/** The chains PayRam settles on, by its blockchain code. */
export const CHAINS: Record<string, EvmChain | OtherChain> = {
  ETH: evm("Ethereum", 1, "ETH", { USDT: ["0xdAC17F958D2ee523a2206206994597C13D831ec7", 6], USDC: ["0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", 6] }),
  BASE: evm("Base", 8453, "ETH", { USDC: ["0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", 6] }),
  POLYGON: evm("Polygon", 137, "POL", { USDT: ["0xc2132D05D31c914a87C6611C10748AEb04B58e8F", 6], USDC: ["0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359", 6] }),
  BSC: evm("BNB Chain", 56, "BNB", { USDT: ["0x55d398326f99059fF775485246999027B3197955", 18], USDC: ["0x8AC76a51cc950d9822D68b83fE1Ad97B32Cd580d", 18] }),
  TRX: { kind: "tron", name: "TRON", tokens: { USDT: { decimals: 6 }, USDC: { decimals: 6 }, TRX: { decimals: 6 } } },
  BTC: { kind: "bitcoin", name: "Bitcoin", tokens: { BTC: { decimals: 8 } } },
};

/** Other spellings of the same chains that PayRam versions use. */
const ALIASES: Record<string, string> = { ETHEREUM: "ETH", MATIC: "POLYGON", BNB: "BSC", BEP20: "BSC", TRON: "TRX", BITCOIN: "BTC" };

const chainOf = (network: string) => CHAINS[ALIASES[network.toUpperCase()] ?? network.toUpperCase()] ?? null;

/** The chain's name as people say it ("Base", "BNB Chain"); the code itself for a chain we do not know. */
export function networkName(network: string): string {
  return chainOf(network)?.name ?? network;
}

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * An exact decimal amount as integer base units of a token with `decimals` decimals: "1.08", 6 →
 * 1080000n. Throws on anything but a plain non-negative decimal, or more decimals than the token has.
 */
export function toBaseUnits(amount: string, decimals: number): bigint {
  const match = DECIMAL.exec(amount);
  if (!match) throw new RangeError(`amount ${JSON.stringify(amount)} is not a plain decimal such as "1.08"`);
  const fraction = (match[2] ?? "").replace(/0+$/, "");
  if (fraction.length > decimals) throw new RangeError(`amount ${amount} has more than ${decimals} decimals`);
  return BigInt(match[1]!) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, "0") || "0");
}

/** Base units back as the shortest exact decimal: 1080000n, 6 → "1.08". */
export function fromBaseUnits(units: bigint, decimals: number): string {
  const digits = units.toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : whole;
}

/** Tokens PayRam prices 1:1 with USD (its ticker's "1.0"): a USD amount due is the same amount of the token. */
const USD_STABLECOINS: ReadonlySet<string> = new Set(["USDC", "USDT"]);

export const isUsdStablecoin = (token: string | null | undefined): boolean => Boolean(token && USD_STABLECOINS.has(token.trim().toUpperCase()));

/** How much of `token` pays `usd` (an exact decimal): the same decimal for a USD stablecoin; null for others (their price moves). */
export function tokenAmountForUsd(token: string | null, usd: string): string | null {
  return isUsdStablecoin(token) ? usd : null;
}

/**
 * EIP-681's ERC-20 transfer request; `chainId` may be left out (the wallet's current chain), and
 * `units` too (the wallet asks the amount).
 */
export function erc20TransferUri(contract: string, chainId: number | null, recipient: string, units: bigint | null): string {
  return `ethereum:${contract}${chainId === null ? "" : `@${chainId}`}/transfer?address=${recipient}${units === null ? "" : `&uint256=${units}`}`;
}

/**
 * The wallet link for paying `amount` (an exact decimal in the token's units; null: the wallet
 * asks) of `token` on `network` to `address`; null where no link is safe: TRON, a chain or token
 * not in the table, a token the chain does not carry, an amount with more decimals than the
 * token has.
 */
export function paymentUri(network: string, token: string, address: string, amount: string | null): string | null {
  const chain = chainOf(network);
  const symbol = token.toUpperCase();
  if (!chain || !address) return null;
  try {
    if (chain.kind === "evm") {
      if (symbol === chain.native) {
        return `ethereum:${address}@${chain.chainId}${amount === null ? "" : `?value=${toBaseUnits(amount, 18)}`}`;
      }
      const erc20 = chain.tokens[symbol];
      if (!erc20) return null;
      return erc20TransferUri(erc20.contract, chain.chainId, address, amount === null ? null : toBaseUnits(amount, erc20.decimals));
    }
    if (chain.kind === "bitcoin" && symbol === "BTC") {
      return `bitcoin:${address}${amount === null ? "" : `?amount=${fromBaseUnits(toBaseUnits(amount, 8), 8)}`}`;
    }
    return null;
  } catch {
    return null;
  }
}
