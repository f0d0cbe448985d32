import { expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { emulatorPerFile } from "@/test/emulator-per-file";
import { placeOrder } from "@/test/shop";
import { syncPayment } from "../payments/sync";
import { needsAttention, resolveAttention } from "../notify/attention";
import { listOrders, orderDetail, orderFilterSchema, ordersCsv, orderSummary } from "./admin-orders";

const payram = emulatorPerFile();

describeOnEachDatabase("the merchant's orders", (get) => {
  const sync = (referenceId: string) => syncPayment({ db: get().db, payram: payram.client }, { referenceId }, "merchant");

  it("lists newest first, filters by state, searches by number, email or reference, and pages", async () => {
    const db = get().db;
    const first = await placeOrder(db, payram, [["aurora-desk-lamp", 1]]);
    const second = await placeOrder(db, payram);
    const third = await placeOrder(db, payram);
    await payram.deposit(second.referenceId, "9.49");
    await sync(second.referenceId);

    const all = await listOrders(db, orderFilterSchema.parse({}));
    expect(all.rows.slice(0, 3).map((r) => r.number)).toEqual([third.orderNumber, second.orderNumber, first.orderNumber]);
    expect((await listOrders(db, orderFilterSchema.parse({ state: "PAID" }))).rows.map((r) => r.number)).toContain(second.orderNumber);
    expect((await listOrders(db, orderFilterSchema.parse({ state: "PAID" }))).rows.map((r) => r.number)).not.toContain(first.orderNumber);
    expect((await listOrders(db, orderFilterSchema.parse({ q: `#${first.orderNumber}` }))).rows.map((r) => r.number)).toEqual([first.orderNumber]);
    expect((await listOrders(db, orderFilterSchema.parse({ q: third.referenceId }))).rows.map((r) => r.number)).toEqual([third.orderNumber]);
    expect((await listOrders(db, orderFilterSchema.parse({ q: "SHOPPER@example" }))).total).toBeGreaterThanOrEqual(3);
    expect((await listOrders(db, orderFilterSchema.parse({ q: "%" }))).total).toBe(all.total);
    const page2 = await listOrders(db, orderFilterSchema.parse({ page: "2" }), 2);
    expect(page2.rows.map((r) => r.number)).toEqual([first.orderNumber]);
    // Nonsense in the query string falls back to the defaults instead of an error page.
    expect(orderFilterSchema.parse({ state: "BOGUS", page: "-3" })).toEqual({ state: undefined, q: undefined, page: 1 });

    const summary = await orderSummary(db);
    expect(summary.counts.PAID).toBe(1);
    expect(summary.counts.OPEN).toBe(2);
    expect(summary.paidTodayCents).toBe(949);
  });

  it("a search with invisible control characters finds what the merchant sees, on Postgres too", async () => {
    const order = await placeOrder(get().db, payram);
    const found = await listOrders(get().db, orderFilterSchema.parse({ q: `\u0000${order.referenceId}\u001b` }));
    expect(found.rows.map((r) => r.number)).toEqual([order.orderNumber]);
    const csv = await ordersCsv(get().db, orderFilterSchema.parse({ q: `${order.referenceId}\u0000` }));
    expect(csv).toContain(order.referenceId);
  });

  it("exports the filtered list as CSV with exact decimal money and no formulas", async () => {
    const paid = await placeOrder(get().db, payram);
    await payram.deposit(paid.referenceId, "9.49");
    await sync(paid.referenceId);
    const csv = await ordersCsv(get().db, orderFilterSchema.parse({ state: "PAID", q: paid.referenceId }));
    const lines = csv.trim().split("\r\n");
    expect(lines[0]).toBe("order,created_at,email,total_usd,state,received_usd,paid_at,payram_references");
    expect(lines).toEqual([lines[0], expect.stringMatching(new RegExp(`^"${paid.orderNumber}","[^"]+","shopper@example.com","9.49","PAID","9.49","[^"]+","${paid.referenceId}"$`))]);
  });

  it("an order paid over two references (a top-up PayRam opened) is listed, exported and detailed with both", async () => {
    const db = get().db;
    // PayRam as its Shopify connector reads it: a top-up after an underpayment is a new request.
    await payram.control("/config", "PUT", { api: { topUp: "new-reference", cancelOnCreate: "open-only" } });
    const order = await placeOrder(db, payram);
    await payram.deposit(order.referenceId, "5.00");
    await sync(order.referenceId);
    const topUp = ((await payram.deposit(order.referenceId, "4.49")) as { referenceId: string }).referenceId;
    await syncPayment({ db, payram: payram.client }, { referenceId: topUp, customer: { id: `order_${order.orderNumber}`, email: null } }, "webhook");

    // The list: the order's own state and what all its references credit, and both references.
    const listed = await listOrders(db, orderFilterSchema.parse({ q: `#${order.orderNumber}` }));
    expect(listed.rows).toEqual([expect.objectContaining({ state: "PAID", receivedCents: 949, referenceIds: [order.referenceId, topUp] })]);
    // Found by either reference, and counted once.
    for (const q of [order.referenceId, topUp]) expect((await listOrders(db, orderFilterSchema.parse({ q }))).rows.map((r) => r.number)).toEqual([order.orderNumber]);
    expect((await listOrders(db, orderFilterSchema.parse({ q: `#${order.orderNumber}` }))).total).toBe(1);
    const csv = (await ordersCsv(db, orderFilterSchema.parse({ q: topUp }))).trim().split("\r\n");
    expect(csv[1]).toMatch(new RegExp(`^"${order.orderNumber}",.*,"9.49","PAID","9.49","[^"]+","${order.referenceId} ${topUp}"$`));

    // The detail: each reference with who opened it, its state in words, what was asked, received and credited.
    const detail = await orderDetail(db, order.orderId);
    expect(detail!.payments).toEqual([
      expect.objectContaining({ number: 1, referenceId: order.referenceId, openedBy: "The shop's checkout", state: "PARTIALLY_FILLED", stateLabel: "Partly paid", askedCents: 949, receivedCents: 500, creditCents: 500 }),
      expect.objectContaining({ number: 2, referenceId: topUp, openedBy: "PayRam (a top-up)", state: "FILLED", stateLabel: "Paid in full", askedCents: 449, receivedCents: 449, creditCents: 449, paymentUrl: null }),
    ]);
    // The history says which reference moved.
    expect(detail!.timeline.filter((e) => e.kind === "payment").map((e) => e.title)).toEqual([
      "Payment 1: — → STARTING (checkout)",
      "Payment 1: STARTING → OPEN (checkout)",
      "Payment 1: OPEN → PARTIALLY_FILLED (merchant)",
      "Payment 2: — → OPEN (webhook)",
      "Payment 2: OPEN → FILLED (webhook)",
    ]);
  });

  it("shows an order's history: payment changes, webhook deliveries and the merchant's notes", async () => {
    const db = get().db;
    const order = await placeOrder(db, payram);
    await payram.deposit(order.referenceId, "12.00");
    await sync(order.referenceId);
    const { items } = await needsAttention(db, { partialAfterMinutes: 60 });
    const surplus = items.find((item) => item.orderId === order.orderId);
    expect(surplus).toMatchObject({ kind: "over_filled", detail: "received 12.00 USD for 9.49 USD: 2.51 USD more" });
    expect(await resolveAttention(db, surplus!.id, "Refunded 2.51 USD to the sender")).toBe(true);
    expect(await resolveAttention(db, surplus!.id, "twice")).toBe(false);
    expect((await needsAttention(db, { partialAfterMinutes: 60 })).items.map((i) => i.orderId)).not.toContain(order.orderId);

    const detail = await orderDetail(db, order.orderId);
    expect(detail!.timeline.map((e) => e.title)).toEqual([
      "— → STARTING (checkout)",
      "STARTING → OPEN (checkout)",
      "OPEN → OVER_FILLED (merchant)",
      "Needs attention: overpaid",
      "Paid — queued to deliver",
      "Resolved: overpaid",
    ]);
    expect(detail!.timeline.at(-1)?.detail).toBe("Refunded 2.51 USD to the sender");
  });

  it("flags checkouts that could not start and partly paid orders gone quiet, until the shopper settles them", async () => {
    const db = get().db;
    await payram.control("/config", "PUT", { faults: { create: { mode: "500", count: 1 } } });
    await expect(placeOrder(db, payram)).rejects.toThrow(/could not reach the payment service/);
    const failed = await db.selectFrom("payment_attempts").select("order_id").where("state", "=", "START_FAILED").orderBy("created_at", "desc").executeTakeFirstOrThrow();

    const partial = await placeOrder(db, payram);
    await payram.deposit(partial.referenceId, "1.00");
    await sync(partial.referenceId);
    // Quiet for long: its last change two hours ago.
    await db.updateTable("payment_attempts").set({ updated_at: new Date(Date.now() - 2 * 3600_000).toISOString() }).where("id", "=", partial.attempt.id).execute();

    const kinds = (await needsAttention(db, { partialAfterMinutes: 60 })).items.map((item) => [item.orderId, item.kind]);
    expect(kinds).toContainEqual([failed.order_id, "start_failed"]);
    expect(kinds).toContainEqual([partial.orderId, "partial_stale"]);

    await payram.deposit(partial.referenceId, "8.49");
    await sync(partial.referenceId);
    expect((await needsAttention(db, { partialAfterMinutes: 60 })).items.map((item) => item.orderId)).not.toContain(partial.orderId);
  });
});
