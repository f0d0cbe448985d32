import { createHash } from "node:crypto";

/** Made-up but stable chain data: the same payment always shows the same address and hashes. */

function hex(seed: string, length: number): string {
  return createHash("sha256").update(`payram-emulator:${seed}`).digest("hex").slice(0, length);
}

export function depositAddressFor(referenceId: string): string {
  return `0x${hex(`address:${referenceId}`, 40)}`;
}

export function sourceAddressFor(referenceId: string, index: number): string {
  return `0x${hex(`source:${referenceId}:${index}`, 40)}`;
}

export function txHashFor(referenceId: string, index: number): string {
  return `0x${hex(`tx:${referenceId}:${index}`, 64)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
