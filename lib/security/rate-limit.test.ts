import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { installPeerStamp } from "./peer";
import { capReached, clientAddress, deleteEndedWindows, describeClientIdentity, hitCappedLimit, hitRateLimit, waitInMinutes } from "./rate-limit";

it.each([
  ["", 0, "unknown"],
  // With no proxy the header is the client's own word: it names nobody.
  ["203.0.113.7", 0, "unknown"],
  ["1.1.1.1, 203.0.113.7", 1, "203.0.113.7"],
  ["6.6.6.6 , 203.0.113.7, 10.0.0.2", 2, "203.0.113.7"],
  ["203.0.113.7", 2, "203.0.113.7"],
  // IPv6 clients are counted per /64: one subscriber's network, however many addresses it uses.
  ["2001:db8:1:2:3:4:5:6", 1, "2001:db8:1:2::/64"],
  ["2001:DB8:1:2::ffff", 1, "2001:db8:1:2::/64"],
  ["1.1.1.1, 2001:db8:0001:0002:abcd::1", 1, "2001:db8:1:2::/64"],
  ["2001:db8::1", 1, "2001:db8::/64"],
  ["::1", 1, "::/64"],
  ["fe80::1%eth0", 1, "fe80::/64"],
  ["[2001:db8:a:b::1]", 1, "2001:db8:a:b::/64"],
  ["::ffff:203.0.113.7", 1, "203.0.113.7"],
  ["64:ff9b::203.0.113.7", 1, "64:ff9b::/64"],
])("X-Forwarded-For %j behind %i proxies is client %s", (header, proxies, client) => {
  expect(clientAddress(new Headers(header ? { "x-forwarded-for": header } : {}), proxies)).toBe(client);
});

it("with no trusted proxy, a client is its connection's address, whatever headers it sends", async () => {
  installPeerStamp();
  // A real HTTP server, as `next start` runs one; the handler sees the request as a route would.
  const seen: string[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) if (typeof value === "string") headers.set(name, value);
    seen.push(clientAddress(headers, 0));
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    for (const forged of ["203.0.113.1", "203.0.113.2"]) {
      await fetch(url, { headers: { "x-forwarded-for": forged, "x-payram-shop-peer": `guess ${forged}` } });
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  expect(seen).toEqual(["127.0.0.1", "127.0.0.1"]);
  // A request the hook never saw cannot bring its own stamp.
  expect(clientAddress(new Headers({ "x-payram-shop-peer": "guess 203.0.113.3" }), 0)).toBe("unknown");
});

it("says at start whose word it takes for a client's address", () => {
  expect(describeClientIdentity(0)).toMatch(/connection's address; X-Forwarded-For is ignored \(TRUSTED_PROXY_COUNT=0\)/);
  expect(describeClientIdentity(1)).toMatch(/the address the proxy in front of the shop appended to X-Forwarded-For \(TRUSTED_PROXY_COUNT=1\)\. Only the proxy may reach this server/);
  expect(describeClientIdentity(2)).toMatch(/the last 2 proxies/);
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

  it("counts two IPv6 addresses of one /64 as one client, and another /64 apart", async () => {
    const now = Date.parse("2026-11-26T08:00:30.000Z");
    const from = (address: string) => clientAddress(new Headers({ "x-forwarded-for": address }), 1);
    const verdicts = [];
    for (let i = 0; i < 4; i++) verdicts.push((await hitRateLimit(get().db, limit, from(`2001:db8:7:7::${i % 2 === 0 ? "a" : "b:c"}`), now)).allowed);
    expect(verdicts).toEqual([true, true, true, false]);
    expect((await hitRateLimit(get().db, limit, from("2001:db8:7:8::a"), now)).allowed).toBe(true);
  });

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

  it("past a shop-wide cap, clients with ever new addresses are refused and write nothing more; one noisy client does not use it up", async () => {
    const own = { name: "own", limit: 3, windowMs: 60_000 };
    const cap = { name: "cap", limit: 10, windowMs: 60_000 };
    const now = Date.parse("2026-11-26T12:00:05.000Z");
    const rows = async () => (await get().db.selectFrom("rate_limits").select("bucket").where("bucket", "like", "own:%").execute()).length;
    // One client alone: its own limit stops it, and the cap is not touched.
    const noisy = [];
    for (let i = 0; i < 8; i++) noisy.push(await hitCappedLimit(get().db, own, cap, "noisy", now));
    expect(noisy.map((v) => v.allowed)).toEqual([true, true, true, false, false, false, false, false]);
    expect(noisy[3]).toMatchObject({ capped: false });
    // Ever new addresses: 7 more fill the cap (3 were the noisy client's), then nothing is written but the cap's counter.
    const rotating = [];
    for (let i = 0; i < 50; i++) rotating.push(await hitCappedLimit(get().db, own, cap, `198.51.100.${i}`, now));
    expect(rotating.filter((v) => v.allowed)).toHaveLength(7);
    expect(rotating.slice(7).every((v) => !v.allowed && v.capped && v.retryAfterSeconds === 55)).toBe(true);
    expect(await rows()).toBe(1 + 7);
    expect(await capReached(get().db, cap, new Date(now - 60_000))).toEqual({ windows: 1, turnedAway: 43 });
    // The next window starts afresh.
    expect(await hitCappedLimit(get().db, own, cap, "198.51.100.200", now + 60_000)).toMatchObject({ allowed: true });
  });

  it("forgets a client's window once it has ended, a shop-wide cap's after a day", async () => {
    const own = { name: "forget_me", limit: 3, windowMs: 60_000 };
    const cap = { name: "forget_me_shop", limit: 10, windowMs: 60_000 };
    const then = Date.parse("2026-11-27T08:00:00.000Z");
    await hitCappedLimit(get().db, own, cap, "a", then);
    await hitCappedLimit(get().db, own, cap, "b", then + 60_000);
    const buckets = async () =>
      (await get().db.selectFrom("rate_limits").select(["bucket", "window_start"]).where("bucket", "like", "forget%").orderBy("bucket").orderBy("window_start").execute()).map(
        (row) => `${row.bucket} ${row.window_start.slice(11, 16)}`,
      );
    // 08:01:30: a's window (08:00) has ended, b's (08:01) has not; the cap's stay.
    await deleteEndedWindows(get().db, then + 90_000, [own, cap]);
    expect(await buckets()).toEqual(["forget_me:b 08:01", "forget_me_shop:* 08:00", "forget_me_shop:* 08:01"]);
    await deleteEndedWindows(get().db, then + 26 * 60 * 60_000, [own, cap]);
    expect(await buckets()).toEqual([]);
  });

  it("counts concurrent requests exactly", async () => {
    const now = Date.parse("2026-11-26T11:00:00.000Z");
    const verdicts = await Promise.all(Array.from({ length: 10 }, () => hitRateLimit(get().db, limit, "burst", now)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(3);
  });
});
