import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { CHAINS, erc20TransferUri, fromBaseUnits, networkName, paymentUri, toBaseUnits } from "./payment-uri";

const TO = "0x8e23ee67d1332ad560396262c48ffbb01f93d052";

describe("EIP-681's own examples", () => {
  it("an ERC-20 transfer of 1 unit (no chain id)", () => {
    expect(erc20TransferUri("0x89205a3a3b2a69de6dbf7f01ed13b2108b2c43e7", null, TO, 1n)).toBe(
      "ethereum:0x89205a3a3b2a69de6dbf7f01ed13b2108b2c43e7/transfer?address=0x8e23ee67d1332ad560396262c48ffbb01f93d052&uint256=1",
    );
  });
  it("2.014 ETH as wei (the example's value=2.014e18, written as an integer)", () => {
    expect(paymentUri("ETH", "ETH", "0xfb6916095ca1df60bb79Ce92ce3ea74c37c5d359", "2.014")).toBe("ethereum:0xfb6916095ca1df60bb79Ce92ce3ea74c37c5d359@1?value=2014000000000000000");
  });
});

describe("known-good links", () => {
  it("the shopper short by $1.08 of USDC on Base", () => {
    expect(paymentUri("BASE", "USDC", TO, "1.08")).toBe(`ethereum:0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913@8453/transfer?address=${TO}&uint256=1080000`);
  });
  it("USDT on Ethereum (6 decimals)", () => {
    expect(paymentUri("ETH", "USDT", TO, "49.99")).toBe(`ethereum:0xdAC17F958D2ee523a2206206994597C13D831ec7@1/transfer?address=${TO}&uint256=49990000`);
  });
  it("USDT on BNB Chain (18 decimals), under either name PayRam gives the chain", () => {
    const link = `ethereum:0x55d398326f99059fF775485246999027B3197955@56/transfer?address=${TO}&uint256=10500000000000000000`;
    expect(paymentUri("BSC", "USDT", TO, "10.5")).toBe(link);
    expect(paymentUri("bnb", "usdt", TO, "10.50")).toBe(link);
  });
  it("USDC on Polygon, chain 137", () => {
    expect(paymentUri("POLYGON", "USDC", TO, "82")).toBe(`ethereum:0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359@137/transfer?address=${TO}&uint256=82000000`);
  });
  it("BIP21 for bitcoin", () => {
    expect(paymentUri("BTC", "BTC", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "0.00150000")).toBe("bitcoin:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq?amount=0.0015");
  });
  it("no amount: the wallet asks for it", () => {
    expect(paymentUri("BASE", "USDC", TO, null)).toBe(`ethereum:0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913@8453/transfer?address=${TO}`);
  });
});

describe("no link where none is safe", () => {
  it.each([
    ["TRON", "TRX", "USDT"],
    ["a token the chain does not carry", "BASE", "USDT"],
    ["an unknown chain", "SOLANA", "USDC"],
  ])("%s", (_why, network, token) => {
    expect(paymentUri(network, token, TO, "1.00")).toBeNull();
  });
  it("more decimals than the token has, or not a plain decimal", () => {
    expect(paymentUri("BASE", "USDC", TO, "1.0000001")).toBeNull();
    expect(() => toBaseUnits("1.0000001", 6)).toThrow(/more than 6 decimals/);
    for (const bad of ["1e3", "-1", "1,08", ".5", ""]) expect(() => toBaseUnits(bad, 6)).toThrow(/plain decimal/);
  });
  it("trailing zeros past the token's decimals are not extra precision", () => {
    expect(toBaseUnits("1.080000000", 6)).toBe(1080000n);
  });
});

it("names each chain as people say it", () => {
  expect(networkName("BSC")).toBe("BNB Chain");
  expect(networkName("BASE")).toBe("Base");
  expect(networkName("SOLANA")).toBe("SOLANA");
});

const decimalsOnEveryChain = [...new Set(Object.values(CHAINS).flatMap((chain) => Object.values(chain.tokens).map((token) => token.decimals))), 18];

test.prop([fc.constantFrom(...decimalsOnEveryChain), fc.bigInt({ min: 0n, max: 10n ** 30n })])("base units divided back give the decimal exactly", (decimals, units) => {
  const decimal = fromBaseUnits(units, decimals);
  expect(toBaseUnits(decimal, decimals)).toBe(units);
  // And the decimal itself, divided out by hand, is the units over 10^decimals.
  const [whole, fraction = ""] = decimal.split(".");
  expect(BigInt(whole!) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, "0") || "0")).toBe(units);
});

test.prop([fc.stringMatching(/^(0|[1-9]\d{0,12})(\.\d{1,6})?$/)])("a USDC amount as written gives the same units in a link", (amount) => {
  const link = paymentUri("BASE", "USDC", TO, amount)!;
  const units = BigInt(new URL(link).searchParams.get("uint256")!);
  expect(fromBaseUnits(units, 6)).toBe(fromBaseUnits(toBaseUnits(amount, 6), 6));
  expect(toBaseUnits(fromBaseUnits(units, 6), 6)).toBe(units);
});
