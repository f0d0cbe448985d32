import { expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { clientAddress, hitRateLimit, waitInMinutes } from "./rate-limit";

it.each([
  ["", 0, "unknown"],
  ["203.0.113.7", 0, "203.0.113.7"],
  ["1.1.1.1, 203.0.113.7", 1, "203.0.113.7"],
  ["6.6.6.6 , 203.0.113.7, 10.0.0.2", 2, "203.0.113.7"],
  ["203.0.113.7", 2, "203.0.113.7"],
])("X-Forwarded-For %j behind %i proxies is client %s", (header, proxies, client) => {
  expect(clientAddress(new Headers(header ? { "x-forwarded-for": header } : {}), proxies)).toBe(client);
});

it.each([
  [1, "1 minute"],
  [60, "1 minute"],
  [61, "2 minutes"],
  [900, "15 minutes"],
])("a person told to wait %i s reads %s", (retryAfterSeconds, text) => {
  expect(waitInMinutes({ allowed: false, retryAfterSeconds })).toBe(text);
});

describeOnEachDatabase("rate limits", (get) => {
  const limit = { name: "test", limit: 3, windowMs: 60_000 };

  it("allows the limit per client and window, across instances, then says when to come back", async () => {
    const now = Date.parse("2026-11-26T10:00:10.000Z");
    const other = get().open();
    const verdicts = [];
    for (let i = 0; i < 4; i++) verdicts.push(await hitRateLimit(i % 2 ? other : get().db, limit, "a", now));
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, false]);
    expect(verdicts[3]!.retryAfterSeconds).toBe(50);
    expect((await hitRateLimit(get().db, limit, "b", now)).allowed).toBe(true);
    expect((await hitRateLimit(get().db, limit, "a", now + 60_000)).allowed).toBe(true);
  });

  it("counts concurrent requests exactly", async () => {
    const now = Date.parse("2026-11-26T11:00:00.000Z");
    const verdicts = await Promise.all(Array.from({ length: 10 }, () => hitRateLimit(get().db, limit, "burst", now)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(3);
  });
});
