import { afterEach, expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { emulatorPerFile } from "@/test/emulator-per-file";
import { placeOrder } from "@/test/shop";
import type { OrderStatusView } from "../views/status";
import { syncPayment } from "../payments/sync";
import { markShipped } from "../orders/fulfilment";
import { newRefundFormToken, payoutNews, requestRefund } from "../refunds";
import { submitRefundAddress } from "../refunds/address";
import { watchOrder } from "./hub";
import { closeAllStreams, openStreamCount, orderEvents, STREAM_BOUNDS } from "./stream";

const payram = emulatorPerFile();
/** EIP-55's first test vector: a valid, checksummed address. */
const WALLET = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

/** Reads an event stream as the browser would: each `data:` message, parsed, until it ends. */
function messages(response: Response) {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const received: OrderStatusView[] = [];
  let buffer = "";
  let ended = false;
  const done = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = event.split("\n").find((line) => line.startsWith("data: "));
        if (data) received.push(JSON.parse(data.slice(6)) as OrderStatusView);
      }
    }
    ended = true;
  })();
  return { received, done, ended: () => ended, cancel: () => reader.cancel() };
}

/** Waits for a condition, up to a deadline (no fixed sleeps). */
async function until(condition: () => boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

afterEach(() => {
  closeAllStreams();
});

describeOnEachDatabase("live status stream", (get) => {
  const deps = (db = get().db) => ({ db, payram: payram.client });
  // The watched order's own sync with PayRam is kept out of the way: what arrives was pushed.
  const open = (orderId: string, db = get().db, client = "203.0.113.9") => orderEvents(deps(db), orderId, client, new AbortController().signal, 60 * 60_000);

  it("sends the view at once, then the paid view when the payment lands, and ends", async () => {
    const order = await placeOrder(get().db, payram);
    const response = await open(order.orderId);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    const stream = messages(response);
    await until(() => stream.received.length === 1, "the first view");
    expect(stream.received[0]).toMatchObject({ state: "OPEN", paid: false });

    await payram.deposit(order.referenceId, "9.49");
    await syncPayment(deps(), { referenceId: order.referenceId }, "webhook");
    await until(() => stream.received.some((view) => view.paid), "the paid view");
    expect(stream.received.at(-1)).toMatchObject({ paid: true, state: "FILLED", receivedUsd: "9.49" });
    // Settled: the stream ends, and a new one is answered 204 (the browser stops reconnecting).
    await stream.done;
    expect((await open(order.orderId)).status).toBe(204);
  });

  it("pushes a change written by another instance (Postgres NOTIFY; SQLite: another connection's commit)", async () => {
    const order = await placeOrder(get().db, payram);
    const other = get().open();
    const stream = messages(await open(order.orderId));
    await until(() => stream.received.length === 1, "the first view");
    await payram.deposit(order.referenceId, "4.00");
    await syncPayment(deps(other), { referenceId: order.referenceId }, "webhook");
    await until(() => stream.received.some((view) => view.state === "PARTIALLY_FILLED"), "the partly paid view from the other instance");
    expect(stream.received.at(-1)).toMatchObject({ receivedUsd: "4.00", remainingUsd: "5.49" });
    await stream.cancel();
  });

  it("sends each change to every watcher of the order", async () => {
    const order = await placeOrder(get().db, payram);
    const tabs = await Promise.all(Array.from({ length: 5 }, async (_, i) => messages(await open(order.orderId, get().db, `198.51.100.${i}`))));
    await until(() => tabs.every((tab) => tab.received.length >= 1), "every tab's first view");
    await payram.deposit(order.referenceId, "2.00");
    await syncPayment(deps(), { referenceId: order.referenceId }, "webhook");
    await until(() => tabs.every((tab) => tab.received.at(-1)?.state === "PARTIALLY_FILLED"), "every tab's partly paid view");
    for (const tab of tabs) expect(tab.received.at(-1)).toMatchObject({ receivedUsd: "2.00", remainingUsd: "7.49" });
    await Promise.all(tabs.map((tab) => tab.cancel()));
  });

  it("still syncs a watched order with PayRam, so that a change PayRam never announces reaches the page", async () => {
    const order = await placeOrder(get().db, payram);
    const stream = messages(await orderEvents(deps(), order.orderId, "203.0.113.9", new AbortController().signal, 200));
    await until(() => stream.received.length >= 1, "the first view");
    // Paid at PayRam, and no webhook, no poll: only the watch's own sync can find it.
    await payram.deposit(order.referenceId, "9.49");
    await until(() => stream.received.some((view) => view.paid), "the paid view");
    await stream.done;
  });

  it("syncs many watched orders on one timer, and each page hears its own order's news", async () => {
    const orders = await Promise.all(Array.from({ length: 12 }, () => placeOrder(get().db, payram)));
    const streams = await Promise.all(
      orders.map(async (order, i) => messages(await orderEvents(deps(), order.orderId, `198.51.100.${100 + i}`, new AbortController().signal, 200))),
    );
    await until(() => streams.every((stream) => stream.received.length >= 1), "every first view");
    // Half are paid at PayRam, the rest partly: no webhook, no poll.
    await Promise.all(orders.map((order, i) => payram.deposit(order.referenceId, i % 2 === 0 ? "9.49" : "1.00")));
    await until(
      () => streams.every((stream, i) => (i % 2 === 0 ? stream.received.at(-1)?.paid === true : stream.received.at(-1)?.state === "PARTIALLY_FILLED")),
      "each order's own news",
    );
    for (const [i, stream] of streams.entries()) expect(stream.received.at(-1)).toMatchObject({ receivedUsd: i % 2 === 0 ? "9.49" : "1.00" });
    await Promise.all(streams.filter((_, i) => i % 2 === 1).map((stream) => stream.cancel()));
  });

  it("keeps watching an order cancelled after part of it arrived: a top-up may still pay it", async () => {
    const order = await placeOrder(get().db, payram);
    await payram.deposit(order.referenceId, "4.00");
    await payram.control(`/payments/${order.referenceId}/cancel`, "POST");
    const stream = messages(await open(order.orderId));
    await until(() => stream.received.at(-1)?.state === "CANCELLED", "the cancelled view");
    expect(stream.received.at(-1)).toMatchObject({ paid: false, receivedUsd: "4.00" });
    expect(stream.ended()).toBe(false);
    expect((await open(order.orderId, get().db, "203.0.113.10")).status).toBe(200);
    await stream.cancel();
  });

  it("keeps a paid order's page listening while a line is to ship; the shipment is pushed, then the stream ends", async () => {
    const order = await placeOrder(get().db, payram, [["brass-keyring", 1]]);
    const stream = messages(await open(order.orderId));
    await until(() => stream.received.length === 1, "the first view");
    await payram.deposit(order.referenceId, "12.00");
    await syncPayment(deps(), { referenceId: order.referenceId }, "webhook");
    await until(() => stream.received.some((view) => view.paid), "the paid view");
    const paid = stream.received.at(-1)!;
    expect(paid).toMatchObject({ paid: true, awaiting: true });
    expect(stream.ended()).toBe(false);
    expect((await open(order.orderId, get().db, "203.0.113.12")).status).toBe(200);

    const shipped = await markShipped(get().db, order.orderId, [1], { carrier: "DHL", trackingNumber: "JD0146000012345", trackingUrl: null });
    expect(shipped).toMatchObject({ ok: true });
    await stream.done;
    // Same payment, new revision: the page reloads what it shows of the shipment.
    expect(stream.received.at(-1)).toMatchObject({ paid: true, awaiting: false, state: paid.state, receivedUsd: paid.receivedUsd });
    expect(stream.received.at(-1)!.revision).not.toBe(paid.revision);
    expect((await open(order.orderId)).status).toBe(204);
  });

  it("pushes the overpaid order's refund: the shopper's answer, then each step of the payout", async () => {
    const order = await placeOrder(get().db, payram);
    await payram.deposit(order.referenceId, "12.00");
    await syncPayment(deps(), { referenceId: order.referenceId }, "webhook");
    // Paid, and $2.51 owed back: the page asks where to send it, and keeps listening.
    const stream = messages(await open(order.orderId));
    await until(() => stream.received.length === 1, "the first view");
    expect(stream.received[0]).toMatchObject({ paid: true, state: "OVER_FILLED", awaiting: true });
    const revisions = () => new Set(stream.received.map((view) => view.revision)).size;

    expect(await submitRefundAddress(get().db, { orderId: order.orderId, network: "ETH", token: "USDC", address: WALLET }, "203.0.113.7")).toEqual({ ok: true });
    await until(() => revisions() === 2, "the answer's news");

    const refund = await requestRefund(deps(), { orderId: order.orderId, formToken: newRefundFormToken(), network: "ETH", token: "USDC", address: WALLET, amount: 251 });
    if (!refund.ok) throw new Error(refund.error);
    await until(() => revisions() >= 3, "the refund's news");
    expect(stream.ended()).toBe(false);
    for (const step of ["initiate", "send", "process"]) await payram.control(`/payouts/${refund.refund.payout_id}/${step}`, "POST");
    await payoutNews(deps(), refund.refund.payout_id!);
    // Refunded: nothing more to come, and the stream ends.
    await stream.done;
    expect(stream.received.at(-1)).toMatchObject({ awaiting: false });
  });

  it("sends a tab that joined with an older view the newer one the others already have", async () => {
    const order = await placeOrder(get().db, payram);
    const first = messages(await open(order.orderId));
    await until(() => first.received.length >= 1, "the first tab's view");
    const stale = first.received[0]!;
    await payram.deposit(order.referenceId, "2.00");
    await syncPayment(deps(), { referenceId: order.referenceId }, "webhook");
    await until(() => first.received.at(-1)?.state === "PARTIALLY_FILLED", "the first tab's news");
    // A second tab whose read came before that change, joining after it.
    const seen: OrderStatusView[] = [];
    const stop = watchOrder(deps(), order.orderId, stale, (view) => seen.push(view));
    await until(() => seen.some((view) => view.state === "PARTIALLY_FILLED"), "the late tab's news");
    stop();
    await first.cancel();
  });

  it("frees the place of a page that went away while its stream was being opened", async () => {
    const order = await placeOrder(get().db, payram);
    const gone = new AbortController();
    gone.abort();
    const before = openStreamCount();
    const response = await orderEvents(deps(), order.orderId, "203.0.113.11", gone.signal);
    expect(response.status).toBe(200);
    expect(openStreamCount()).toBe(before);
  });

  it("answers 404 for an unknown order and 429 past the streams one address may hold", async () => {
    expect((await open("A".repeat(22))).status).toBe(404);
    const orders = [await placeOrder(get().db, payram), await placeOrder(get().db, payram), await placeOrder(get().db, payram)];
    const held = [];
    for (let i = 0; i < STREAM_BOUNDS.perClient; i++) held.push(await open(orders[i % orders.length]!.orderId, get().db, "192.0.2.1"));
    expect(held.every((response) => response.status === 200)).toBe(true);
    const refused = await open(orders[0]!.orderId, get().db, "192.0.2.1");
    expect(refused.status).toBe(429);
    // Another address is not held back.
    expect((await open(orders[2]!.orderId, get().db, "192.0.2.2")).status).toBe(200);
    // Streams that end free their place.
    expect(closeAllStreams()).toBe(STREAM_BOUNDS.perClient + 1);
    expect((await open(orders[0]!.orderId, get().db, "192.0.2.1")).status).toBe(200);
    closeAllStreams();
  });

  it("answers 429 past the streams one order may hold, from however many addresses (issue 29.9)", async () => {
    const order = await placeOrder(get().db, payram);
    const held = [];
    for (let i = 0; i < STREAM_BOUNDS.perOrder; i++) held.push(await open(order.orderId, get().db, `198.51.100.${i + 1}`));
    expect(held.every((response) => response.status === 200)).toBe(true);
    expect((await open(order.orderId, get().db, "198.51.100.200")).status).toBe(429);
    // Another order is not held back, and a stream that ends frees its place.
    expect((await open((await placeOrder(get().db, payram)).orderId, get().db, "198.51.100.200")).status).toBe(200);
    await held[0]!.body!.cancel();
    expect((await open(order.orderId, get().db, "198.51.100.200")).status).toBe(200);
    closeAllStreams();
  });
});
