import { expect, it } from "vitest";
import { addressProblem, toChecksumAddress } from "./addresses";
import { inWordsOf } from "@/test/said";

// EIP-55's own test vectors.
const CHECKSUMMED = ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"];

it.each(CHECKSUMMED)("accepts the EIP-55 address %s on every EVM network", (address) => {
  expect(toChecksumAddress(address.toLowerCase())).toBe(address);
  for (const network of ["ETH", "BASE", "POLYGON"] as const) expect(addressProblem(network, address)).toBeNull();
});

it("accepts an address written in one case (it carries no checksum)", () => {
  expect(addressProblem("ETH", CHECKSUMMED[0]!.toLowerCase())).toBeNull();
});

it("refuses a mistyped capital, a wrong length, and a TRON address on an EVM network", () => {
  const typo = CHECKSUMMED[0]!.replace("aAeb", "aaeb");
  expect(inWordsOf(addressProblem("ETH", typo))).toMatch(/checksum/);
  expect(inWordsOf(addressProblem("BASE", "0x1234"))).toMatch(/40 hexadecimal/);
  expect(inWordsOf(addressProblem("ETH", "TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL"))).toMatch(/0x/);
});

it("accepts a TRON address and refuses one with a changed character or an EVM address", () => {
  // USDT's TRC-20 contract address, a well-known valid base58check address.
  expect(addressProblem("TRX", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")).toBeNull();
  expect(inWordsOf(addressProblem("TRX", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u"))).toMatch(/checksum/);
  expect(inWordsOf(addressProblem("TRX", CHECKSUMMED[0]!))).toMatch(/starts with T/);
});
