import { describe, expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { emulatorPerFile } from "@/test/emulator-per-file";
import { placeOrder, syncDepsFor, type PlacedOrder } from "@/test/shop";
import { cancelOrder } from "./cancel";
import { listOrders, orderDetail, orderFilterSchema, orderSummary } from "../views/admin-orders";
import type { Db } from "../db";
import { syncPayment } from "../payments/sync";
import { markShipped } from "./fulfilment";
import { checkShipForm, shipFormInput, type Shipment } from "../rules/ship-form";

const payram = emulatorPerFile();

const DHL: Shipment = { carrier: "DHL", trackingNumber: "JD0146000012345", trackingUrl: "https://www.dhl.com/track?id=JD0146000012345" };

describeOnEachDatabase("shipping order lines", (get) => {
  /** Lamp (physical, $89.00), sound pack (digital, $9.49), beanie (physical, $29.99). */
  const MIXED: [string, number][] = [
    ["aurora-desk-lamp", 1],
    ["lofi-sound-pack", 1],
    ["merino-beanie", 2],
  ];

  /** `at`: the position of each product's line (the checkout orders a cart's lines as it likes). */
  async function paidOrder(lines = MIXED): Promise<PlacedOrder & { at: Record<string, number> }> {
    const order = await placeOrder(get().db, payram, lines);
    const due = await get().db.selectFrom("orders").select("total_cents").where("id", "=", order.orderId).executeTakeFirstOrThrow();
    await payram.deposit(order.referenceId, (due.total_cents / 100).toFixed(2));
    await syncPayment(syncDepsFor(get().db, payram), { referenceId: order.referenceId }, "webhook");
    const items = await get().db.selectFrom("order_items").select(["position", "product_slug"]).where("order_id", "=", order.orderId).execute();
    return { ...order, at: Object.fromEntries(items.map((item) => [item.product_slug, item.position])) };
  }

  const lines = async (orderId: string, db: Db = get().db) =>
    db.selectFrom("order_items").select(["position", "name", "shipped_at", "carrier", "tracking_number", "tracking_url"]).where("order_id", "=", orderId).orderBy("position").execute();
  const shippedMails = async (orderId: string) =>
    get().db.selectFrom("outbox").select(["key", "recipient", "payload"]).where("order_id", "=", orderId).where("kind", "=", "shipped").orderBy("id").execute();

  it("refuses an unpaid order and a cancelled one, and ships nothing", async () => {
    const unpaid = await placeOrder(get().db, payram, MIXED);
    expect(await markShipped(get().db, unpaid.orderId, [1], DHL)).toEqual({ ok: false, error: "This order is not paid yet: ship it once it is paid." });

    await payram.control(`/payments/${unpaid.referenceId}/cancel`, "POST");
    await syncPayment(syncDepsFor(get().db, payram), { referenceId: unpaid.referenceId }, "webhook");
    expect(await cancelOrder(get().db, unpaid.orderId)).toMatchObject({ ok: true });
    expect(await markShipped(get().db, unpaid.orderId, [1], DHL)).toEqual({ ok: false, error: "This order was cancelled: nothing can be shipped." });

    expect((await lines(unpaid.orderId)).every((line) => line.shipped_at === null)).toBe(true);
    expect(await shippedMails(unpaid.orderId)).toEqual([]);
  });

  it("ships the chosen physical lines only, mails the shopper once, and a repeated submission changes nothing", async () => {
    const order = await paidOrder();
    const [lamp, pack, beanie] = [order.at["aurora-desk-lamp"]!, order.at["lofi-sound-pack"]!, order.at["merino-beanie"]!];
    const line = async (position: number) => (await lines(order.orderId)).find((row) => row.position === position)!;
    // The digital line cannot be shipped (nothing else is marked then either).
    expect(await markShipped(get().db, order.orderId, [lamp, pack], DHL)).toEqual({ ok: false, error: `Line ${pack} is not a physical line of this order.` });
    expect(await markShipped(get().db, order.orderId, [9], DHL)).toEqual({ ok: false, error: "Line 9 is not a physical line of this order." });
    expect(await shippedMails(order.orderId)).toEqual([]);

    expect(await markShipped(get().db, order.orderId, [lamp], DHL)).toEqual({ ok: true, shipped: [lamp], alreadyShipped: [], mailed: true });
    expect(await line(lamp)).toMatchObject({ carrier: "DHL", tracking_number: "JD0146000012345", tracking_url: DHL.trackingUrl });
    expect((await line(lamp)).shipped_at).not.toBeNull();
    expect((await line(pack)).shipped_at).toBeNull();
    expect((await line(beanie)).shipped_at).toBeNull();

    const mails = await shippedMails(order.orderId);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.key).toBe(`shipped:${order.orderId}:${lamp}`);
    expect(mails[0]!.recipient).toBe("shopper@example.com");
    expect(JSON.parse(mails[0]!.payload)).toEqual({
      kind: "shipped",
      orderNumber: order.orderNumber,
      orderId: order.orderId,
      lines: [{ name: "Aurora Desk Lamp", quantity: 1 }],
      carrier: "DHL",
      trackingNumber: "JD0146000012345",
      trackingUrl: DHL.trackingUrl,
    });

    // The same form sent again (a double click, a resubmitted page): no new shipment, no new mail.
    expect(await markShipped(get().db, order.orderId, [lamp], { ...DHL, carrier: "UPS" })).toEqual({ ok: false, error: "That line is already shipped." });
    expect((await line(lamp)).carrier).toBe("DHL");
    expect(await shippedMails(order.orderId)).toHaveLength(1);

    // The rest, in a second parcel with no tracking URL: its own mail, naming only its lines.
    expect(await markShipped(get().db, order.orderId, [lamp, beanie], { carrier: "Royal Mail", trackingNumber: "RM123", trackingUrl: null })).toEqual({
      ok: true,
      shipped: [beanie],
      alreadyShipped: [lamp],
      mailed: true,
    });
    const second = (await shippedMails(order.orderId))[1]!;
    expect(second.key).toBe(`shipped:${order.orderId}:${beanie}`);
    expect(JSON.parse(second.payload)).toMatchObject({ lines: [{ name: "Merino Beanie", quantity: 2 }], carrier: "Royal Mail", trackingNumber: "RM123", trackingUrl: null });

    // The merchant's timeline shows both shipments.
    const detail = await orderDetail(get().db, order.orderId);
    expect(detail!.timeline.filter((entry) => entry.title.startsWith("Shipped")).map((entry) => [entry.title, entry.detail])).toEqual([
      ["Shipped with DHL, tracking JD0146000012345", "Aurora Desk Lamp × 1"],
      ["Shipped with Royal Mail, tracking RM123", "Merino Beanie × 2"],
    ]);
  });

  it("one submission for several lines is one shipment and one mail", async () => {
    const order = await paidOrder();
    const physical = [order.at["aurora-desk-lamp"]!, order.at["merino-beanie"]!].sort((a, b) => a - b);
    expect(await markShipped(get().db, order.orderId, [...physical].reverse(), DHL)).toEqual({ ok: true, shipped: physical, alreadyShipped: [], mailed: true });
    const mails = await shippedMails(order.orderId);
    expect(mails.map((mail) => mail.key)).toEqual([`shipped:${order.orderId}:${physical.join(",")}`]);
    expect(JSON.parse(mails[0]!.payload).lines).toHaveLength(2);
  });

  it("an order placed before mail existed is shipped without a mail", async () => {
    const order = await paidOrder([["aurora-desk-lamp", 1]]);
    await get().db.updateTable("orders").set({ mails: 0 }).where("id", "=", order.orderId).execute();
    expect(await markShipped(get().db, order.orderId, [1], DHL)).toEqual({ ok: true, shipped: [1], alreadyShipped: [], mailed: false });
    expect(await shippedMails(order.orderId)).toEqual([]);
  });

  it("two merchants shipping the same line at once: it is shipped once, with one mail", async () => {
    const order = await paidOrder([["aurora-desk-lamp", 1]]);
    const [a, b] = get().dialect === "postgres" ? [get().db, get().open()] : [get().db, get().db];
    const results = await Promise.all([markShipped(a, order.orderId, [1], DHL), markShipped(b, order.orderId, [1], { ...DHL, carrier: "UPS" })]);
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect(results.find((result) => !result.ok)).toEqual({ ok: false, error: "That line is already shipped." });
    expect(await shippedMails(order.orderId)).toHaveLength(1);
  });

  it("the orders list's “To ship” filter: paid, not cancelled, a physical line not shipped", async () => {
    const toShip = async () => (await listOrders(get().db, orderFilterSchema.parse({ fulfil: "ship" }))).rows.map((row) => row.number);
    const physical = await paidOrder([
      ["aurora-desk-lamp", 1],
      ["merino-beanie", 1],
    ]);
    const digital = await paidOrder([["lofi-sound-pack", 1]]);
    const unpaid = await placeOrder(get().db, payram, [["aurora-desk-lamp", 1]]);
    expect(await toShip()).toContain(physical.orderNumber);
    expect(await toShip()).not.toContain(digital.orderNumber);
    expect(await toShip()).not.toContain(unpaid.orderNumber);
    const before = (await orderSummary(get().db)).toShip;

    await markShipped(get().db, physical.orderId, [physical.at["aurora-desk-lamp"]!], DHL);
    expect(await toShip()).toContain(physical.orderNumber);
    await markShipped(get().db, physical.orderId, [physical.at["merino-beanie"]!], DHL);
    expect(await toShip()).not.toContain(physical.orderNumber);
    expect((await orderSummary(get().db)).toShip).toBe(before - 1);
    // Nonsense in the query string is no filter at all.
    expect(orderFilterSchema.parse({ fulfil: "bogus" }).fulfil).toBeUndefined();
  });
});

describe("the ship form", () => {
  const form = (fields: Record<string, string>) => checkShipForm(shipFormInput.parse(fields));

  it("reads the ticked lines and the three fields", () => {
    expect(shipFormInput.parse({ "line-3": "1", "line-1": "1", "line-2": "", "line-x": "1", carrier: " DHL ", trackingNumber: "123", trackingUrl: "" })).toEqual({
      positions: [1, 3],
      carrier: " DHL ",
      trackingNumber: "123",
      trackingUrl: "",
    });
    expect(form({ "line-1": "1", carrier: " DHL ", trackingNumber: "123", trackingUrl: "" })).toEqual({
      ok: true,
      positions: [1],
      shipment: { carrier: "DHL", trackingNumber: "123", trackingUrl: null },
    });
  });

  it("says what is wrong with each field", () => {
    expect(form({ carrier: "", trackingNumber: "", trackingUrl: "" })).toEqual({
      ok: false,
      fieldErrors: { positions: "Choose at least one line to mark shipped.", carrier: "Enter the carrier.", trackingNumber: "Enter the tracking number." },
    });
    expect(form({ "line-1": "1", carrier: "x".repeat(61), trackingNumber: "1".repeat(81), trackingUrl: "javascript:alert(1)" })).toEqual({
      ok: false,
      fieldErrors: {
        carrier: "The carrier can be at most 60 characters.",
        trackingNumber: "The tracking number can be at most 80 characters.",
        trackingUrl: "The tracking URL must start with https:// or http://.",
      },
    });
    expect(form({ "line-1": "1", carrier: "DHL\u0000", trackingNumber: "1", trackingUrl: "ftp://example.com/x" })).toEqual({
      ok: false,
      fieldErrors: { carrier: "The carrier contains characters we cannot accept", trackingUrl: "The tracking URL must start with https:// or http://." },
    });
    expect(form({ "line-1": "1", carrier: "x".repeat(60), trackingNumber: "1".repeat(80), trackingUrl: "http://track.example/1" })).toMatchObject({ ok: true });
  });
});
