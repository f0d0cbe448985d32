import { keccak_256 } from "@noble/hashes/sha3.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { base58 } from "@scure/base";
import { said, type Said } from "../i18n/said";
import type { PayoutNetwork } from "../rules/payout-assets";

/**
 * Whether a wallet address is valid for the chain a payout goes to, and why not. A payout to a
 * mistyped address is money gone: EVM addresses (ETH, BASE, POLYGON) are checked against their
 * EIP-55 checksum when they carry one (mixed case), TRON addresses by their base58check checksum.
 */

export function addressProblem(network: PayoutNetwork, address: string): Said | null {
  return network === "TRX" ? tronProblem(address) : evmProblem(address);
}

function evmProblem(address: string): Said | null {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) return said("evmAddressShape");
  const hex = address.slice(2);
  // All one case: an address written without a checksum (nothing to check it against).
  if (hex === hex.toLowerCase() || hex === hex.toUpperCase()) return null;
  return toChecksumAddress(address) === address ? null : said("evmChecksum");
}

/** The EIP-55 form of an EVM address: each letter upper-cased where keccak-256 of the lower-case hex has a nibble ≥ 8. */
export function toChecksumAddress(address: string): string {
  const hex = address.slice(2).toLowerCase();
  const hash = keccak_256(new TextEncoder().encode(hex));
  let out = "0x";
  for (let i = 0; i < hex.length; i++) {
    const nibble = (hash[i >> 1]! >> (i % 2 === 0 ? 4 : 0)) & 0xf;
    out += nibble >= 8 ? hex[i]!.toUpperCase() : hex[i];
  }
  return out;
}

function tronProblem(address: string): Said | null {
  if (!/^T[1-9A-HJ-NP-Za-km-z]{33}$/.test(address)) return said("tronShape");
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(address);
  } catch {
    return said("tronShape");
  }
  if (bytes.length !== 25 || bytes[0] !== 0x41) return said("notTron");
  const check = sha256(sha256(bytes.slice(0, 21))).slice(0, 4);
  return check.every((byte, i) => byte === bytes[21 + i]) ? null : said("tronChecksum");
}
