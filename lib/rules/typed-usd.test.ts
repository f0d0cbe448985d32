import { expect, it } from "vitest";
import { typedUsd } from "./typed-usd";

const amount = typedUsd("Enter an amount", "No fractions of a cent");
const messages = (input: unknown) => {
  const parsed = amount.safeParse(input);
  return parsed.success ? parsed.data : parsed.error.issues.map((issue) => issue.message);
};

it("reads a typed dollar amount, with or without its $, as exact cents", () => {
  expect(messages("49.99")).toBe(4999);
  expect(messages(" $49.99 ")).toBe(4999);
  expect(messages("0.10")).toBe(10);
  expect(messages("1.005")).toEqual(["No fractions of a cent"]);
  expect(messages("1,000")).toEqual(["Enter an amount"]);
  expect(messages("-1")).toEqual(["Enter an amount"]);
  expect(messages("$$1")).toEqual(["Enter an amount"]);
  expect(typedUsd("Enter an amount").safeParse("1.005").error?.issues[0]?.message).toBe("Enter an amount");
});
