import { expect, it } from "vitest";
import type { OrderStatusView } from "@/lib/views/status";
import { fallbackPollInterval, parseStreamMessage, type StreamHealth } from "./use-order-status";

const now = Date.parse("2026-11-26T12:00:00.000Z");
const view = (state: OrderStatusView["state"], paid = false, receivedUsd = "0.00", awaiting = false) => ({ state, paid, receivedUsd, updatedAt: new Date(now).toISOString(), revision: "r", awaiting }) as OrderStatusView;

it("polls only while the stream is not live, and never once the order is settled", () => {
  const polls = (stream: StreamHealth, v = view("OPEN")) => fallbackPollInterval(v, stream, now);
  expect(polls("live")).toBe(0);
  // Not opened (hidden tab, no EventSource), silent since it opened (a buffering proxy), or failing.
  expect(polls("none")).toBe(2_000);
  expect(polls("opening")).toBe(2_000);
  expect(polls("failing")).toBe(2_000);
  for (const stream of ["none", "opening", "live", "failing"] as const) {
    expect(polls(stream, view("FILLED", true))).toBe(0);
    expect(polls(stream, view("CANCELLED"))).toBe(0);
  }
  // Cancelled after part of the money arrived: a top-up may still pay it, so the page keeps asking.
  expect(polls("failing", view("CANCELLED", false, "4.00"))).toBeGreaterThan(0);
  // Paid with a line still to ship (or a refund owed): the page keeps listening for it.
  expect(polls("failing", view("FILLED", true, "12.00", true))).toBe(30_000);
  expect(polls("live", view("FILLED", true, "12.00", true))).toBe(0);
});

it("takes a stream message's view, and ignores what is not one", () => {
  const sent = view("PARTIALLY_FILLED", false, "30.00");
  expect(parseStreamMessage(JSON.stringify(sent))).toEqual(sent);
  for (const junk of ["", "ping", "{", "null", "42", '"OPEN"', "[]", '{"state":"OPEN"}', '{"state":1,"paid":false,"updatedAt":"x"}', '{"state":"OPEN","paid":false,"updatedAt":"x"}', undefined, 42]) {
    expect(parseStreamMessage(junk)).toBeNull();
  }
});
