import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { emulatorPerFile } from "@/test/emulator-per-file";
import { checkoutDepsFor, placeOrder, syncDepsFor, TEST_SECRET } from "@/test/shop";
import { startSmtpSink, type SmtpSink } from "@/test/smtp-sink";
import { TEST_API_KEY } from "@/test/emulator";
import type { Db } from "../db";
import { orderIdByNumber } from "../views/admin-orders";
import { findOrder } from "../orders";
import { payForOrder } from "../checkout/checkout";
import { syncPayment } from "../payments/sync";
import { mailRefusedWebhooks } from "./events";
import { confirmRefundAddress, submitRefundAddress } from "../refunds/address";
import { MAX_MAIL_TRIES, sendDueMail, smtpTransport, withoutAddresses, type MailSettings } from "../jobs/mail-sender";

const payram = emulatorPerFile();
let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(() => sink.close());
beforeEach(() => {
  sink.received.length = 0;
  sink.refuse(0);
});

const SETTINGS: MailSettings = { shopName: "Lumen Goods", baseUrl: "https://shop.example.com", from: "Lumen Goods <orders@shop.example.com>", merchantEmail: "owner@shop.example.com" };

describeOnEachDatabase("mail", (get) => {
  const send = (db: Db = get().db, settings = SETTINGS) => {
    const transport = smtpTransport(sink.url);
    return sendDueMail(db, settings, transport).finally(() => transport.close());
  };
  const outbox = async (orderId: string) =>
    (await get().db.selectFrom("outbox").select(["kind", "recipient", "sent_at", "tries"]).where("order_id", "=", orderId).orderBy("id").execute()).map((row) => row.kind);
  const pay = async (referenceId: string, amount: string) => {
    await payram.deposit(referenceId, amount);
    await syncPayment(syncDepsFor(get().db, payram), { referenceId }, "webhook");
  };
  // Each test sends only its own mail.
  beforeEach(async () => {
    await get().db.deleteFrom("outbox").execute();
  });
  /** Due now, whatever backoff set (a test does not wait for it). */
  const makeDue = () => get().db.updateTable("outbox").set({ next_try_at: new Date(0).toISOString() }).where("sent_at", "is", null).execute();

  it("mails how to pay when the payment opens, then 'paid' once however often PayRam says so, and the merchant once", async () => {
    const order = await placeOrder(get().db, payram);
    expect(await outbox(order.orderId)).toEqual(["payment_opened"]);
    await pay(order.referenceId, "9.49");
    // The same news again, as a duplicate delivery and the sweep would bring it.
    await syncPayment(syncDepsFor(get().db, payram), { referenceId: order.referenceId }, "webhook");
    await syncPayment(syncDepsFor(get().db, payram), { referenceId: order.referenceId }, "sweep");
    expect(await outbox(order.orderId)).toEqual(["payment_opened", "merchant_paid", "paid", "downloads_ready"]);

    expect(await send()).toEqual({ sent: 4, retried: 0, gaveUp: 0 });
    expect(await send()).toEqual({ sent: 0, retried: 0, gaveUp: 0 });
    const byTo = (to: string) => sink.received.filter((mail) => mail.to && !Array.isArray(mail.to) && mail.to.text === to);
    const shopper = byTo("shopper@example.com");
    expect(shopper.map((mail) => mail.subject)).toEqual([
      `Order #${order.orderNumber}: how to pay · Lumen Goods`,
      `Order #${order.orderNumber} is paid · Lumen Goods`,
      `Order #${order.orderNumber}: your downloads · Lumen Goods`,
    ]);
    expect(byTo("owner@shop.example.com").map((mail) => mail.subject)).toEqual([`New paid order #${order.orderNumber} · Lumen Goods`]);
    const paid = shopper[1]!;
    // Both parts, the shop's name, the order's own page (the download page for digital goods).
    expect(paid.text).toContain(`https://shop.example.com/orders/${order.orderId}/downloads`);
    expect(paid.html).toContain(`<a href="https://shop.example.com/orders/${order.orderId}/downloads">`);
    expect(paid.text).toContain("— Lumen Goods");
    expect(paid.from?.text).toBe('"Lumen Goods" <orders@shop.example.com>');
    expect(paid.messageId).toMatch(/^<[0-9a-f]{32}@shop\.example\.com>$/);
    // No secret in any mail.
    for (const mail of sink.received) {
      for (const secret of [TEST_API_KEY, TEST_SECRET]) {
        expect(mail.text).not.toContain(secret);
        expect(String(mail.html)).not.toContain(secret);
      }
    }
  });

  it("merchant mails name the order by its number and never carry its secret id, and their link finds the order", async () => {
    const order = await placeOrder(get().db, payram, undefined, {}, `merchant-link-${get().dialect}@example.com`);
    // Overpaid: "New paid order" and "Needs attention: Overpaid" go to the merchant.
    await pay(order.referenceId, "12.00");
    expect(await send()).toMatchObject({ sent: 5, retried: 0, gaveUp: 0 });
    const merchant = sink.received.filter((mail) => mail.to && !Array.isArray(mail.to) && mail.to.text === "owner@shop.example.com");
    expect(merchant.map((mail) => mail.subject).sort()).toEqual([
      `Needs attention: order #${order.orderNumber} — Overpaid · Lumen Goods`,
      `New paid order #${order.orderNumber} · Lumen Goods`,
    ]);
    for (const mail of merchant) {
      // The shopper's only key to the order (its page, downloads, refund form) stays out of ops' mailbox.
      expect(mail.text).not.toContain(order.orderId);
      expect(String(mail.html)).not.toContain(order.orderId);
      expect(JSON.stringify(mail.headers)).not.toContain(order.orderId);
      const link = `https://shop.example.com/admin/orders/by-number/${order.orderNumber}`;
      expect(mail.text).toContain(link);
      expect(String(mail.html)).toContain(`<a href="${link}">`);
    }
    // The link's number leads the merchant area to the order.
    expect(await orderIdByNumber(get().db, String(order.orderNumber))).toBe(order.orderId);
    expect(await orderIdByNumber(get().db, "999999")).toBeNull();
    expect(await orderIdByNumber(get().db, order.orderId)).toBeNull();
    // The shopper's mails keep their own link to the order's page.
    const shopper = sink.received.filter((mail) => mail.to && !Array.isArray(mail.to) && mail.to.text === `merchant-link-${get().dialect}@example.com`);
    expect(shopper.some((mail) => mail.text?.includes(`https://shop.example.com/orders/${order.orderId}`))).toBe(true);
  });

  it("mails the first part of a payment only, and 'expired' only for a payment that expired with nothing received", async () => {
    const partly = await placeOrder(get().db, payram);
    await pay(partly.referenceId, "2.00");
    await pay(partly.referenceId, "3.00");
    expect(await outbox(partly.orderId)).toEqual(["payment_opened", "partly_paid"]);

    const expired = await placeOrder(get().db, payram);
    await payram.control(`/payments/${expired.referenceId}/cancel`, "POST");
    await syncPayment(syncDepsFor(get().db, payram), { referenceId: expired.referenceId }, "webhook");
    expect(await outbox(expired.orderId)).toEqual(["payment_opened", "expired"]);
    // Pay again: a new "how to pay" for the new payment.
    expect(await payForOrder(checkoutDepsFor(get().db, payram), (await findOrder(get().db, expired.orderId))!)).toMatchObject({ ok: true });
    expect(await outbox(expired.orderId)).toEqual(["payment_opened", "expired", "payment_opened"]);
  });

  it("mails nobody for a checkout that could not start, nor for an order placed before mail existed", async () => {
    await payram.control("/config", "PUT", { faults: { create: { mode: "500" } } });
    await expect(placeOrder(get().db, payram)).rejects.toThrow();
    await payram.control("/config", "PUT", { faults: { create: { mode: "none" } } });
    const failed = await get().db.selectFrom("orders").select("id").orderBy("number", "desc").limit(1).executeTakeFirstOrThrow();
    expect(await outbox(failed.id)).toEqual([]);

    const old = await placeOrder(get().db, payram);
    await get().db.deleteFrom("outbox").where("order_id", "=", old.orderId).execute();
    await get().db.updateTable("orders").set({ mails: 0 }).where("id", "=", old.orderId).execute();
    await pay(old.referenceId, "9.49");
    // The merchant still hears of the paid order; the shopper of an old order gets nothing.
    expect(await outbox(old.orderId)).toEqual(["merchant_paid"]);
  });

  it("sends at most 5 'how to pay' mails an hour to one address", async () => {
    const email = `flood-${get().dialect}@example.com`;
    const orders = [];
    for (let i = 0; i < 6; i++) orders.push(await placeOrder(get().db, payram, undefined, {}, email));
    const queued = await get().db.selectFrom("outbox").select("id").where("kind", "=", "payment_opened").where("recipient", "=", email).execute();
    expect(queued).toHaveLength(5);
  });

  it("retries a mail SMTP refused, and after every try gives up and puts it before the merchant", async () => {
    const order = await placeOrder(get().db, payram, undefined, {}, `retry-${get().dialect}@example.com`);
    sink.refuse(1);
    expect(await send()).toMatchObject({ sent: 0, retried: 1 });
    const row = await get().db.selectFrom("outbox").select(["tries", "next_try_at", "last_error", "sent_at"]).where("order_id", "=", order.orderId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ tries: 1, sent_at: null, last_error: expect.stringContaining("451") });
    expect(Date.parse(row.next_try_at)).toBeGreaterThan(Date.now() + 30_000);
    // Not due yet: nothing is sent.
    expect(await send()).toMatchObject({ sent: 0, retried: 0 });
    await makeDue();
    expect(await send()).toMatchObject({ sent: 1 });
    expect(sink.received).toHaveLength(1);

    const unlucky = await placeOrder(get().db, payram, undefined, {}, `unlucky-${get().dialect}@example.com`);
    sink.refuse(MAX_MAIL_TRIES);
    for (let i = 0; i < MAX_MAIL_TRIES; i++) {
      await makeDue();
      await send();
    }
    const given = await get().db.selectFrom("outbox").select(["tries", "gave_up_at", "sent_at"]).where("order_id", "=", unlucky.orderId).executeTakeFirstOrThrow();
    expect(given).toMatchObject({ tries: MAX_MAIL_TRIES, sent_at: null, gave_up_at: expect.any(String) });
    const items = await get().db.selectFrom("attention_items").select(["kind", "detail"]).where("order_id", "=", unlucky.orderId).execute();
    expect(items).toEqual([{ kind: "mail_failed", detail: expect.stringContaining('"how to pay" mail could not be sent after 8 tries') }]);
    // …and the merchant is mailed about it.
    expect(await get().db.selectFrom("outbox").select("kind").where("order_id", "=", unlucky.orderId).where("recipient", "=", "merchant").execute()).toEqual([{ kind: "merchant_attention" }]);
  });

  it("a checkout goes through while SMTP is down: the mail waits in the outbox", async () => {
    const down: MailSettings = { ...SETTINGS };
    const order = await placeOrder(get().db, payram, undefined, {}, `down-${get().dialect}@example.com`);
    const transport = smtpTransport("smtp://127.0.0.1:9");
    const result = await sendDueMail(get().db, down, transport).finally(() => transport.close());
    expect(result).toMatchObject({ sent: 0, retried: 1 });
    expect(await outbox(order.orderId)).toEqual(["payment_opened"]);
  });

  it("the refund address confirmation link reaches the shopper, and its token does not stay in the outbox", async () => {
    const order = await placeOrder(get().db, payram, undefined, {}, `confirm-${get().dialect}@example.com`);
    await pay(order.referenceId, "12.00");
    expect(await submitRefundAddress(get().db, { orderId: order.orderId, network: "ETH", token: "USDC", address: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed" }, "203.0.113.7")).toEqual({ ok: true });
    await send();
    const mail = sink.received.find((received) => received.subject?.includes("confirm where to send your refund"));
    const token = /refund-address\?token=([A-Za-z0-9_-]{32})/.exec(mail?.text ?? "")?.[1];
    expect(token).toBeDefined();
    const row = await get().db.selectFrom("outbox").select(["payload", "sent_at"]).where("order_id", "=", order.orderId).where("kind", "=", "confirm_refund_address").executeTakeFirstOrThrow();
    expect(row.sent_at).not.toBeNull();
    expect(row.payload).not.toContain(token);
    // The link still works: the database kept the token's hash.
    expect(await confirmRefundAddress(get().db, order.orderId, token!)).toMatchObject({ ok: true });
  });

  it("keeps addresses out of what it logs of SMTP's refusals", () => {
    expect(withoutAddresses('550 5.1.1 <bob@example.com>: Recipient address rejected; "ann@x.org" too')).toBe('550 5.1.1 <<address>>: Recipient address rejected; "<address>" too');
  });

  it("tells the merchant of a burst of refused webhook deliveries, once an hour", async () => {
    const now = Date.now();
    const row = (i: number, at = now) => ({ received_at: new Date(at - i * 1_000).toISOString(), method: "POST", auth: "none" as const, verdict: "rejected" as const, reason: "wrong X-Payram-Signature", reference_id: null, event_type: null, payload_status: null, order_id: null, body: "{}" });
    await get().db.insertInto("webhook_deliveries").values(Array.from({ length: 19 }, (_, i) => row(i))).execute();
    expect(await mailRefusedWebhooks(get().db, 20, now)).toBe(false);
    await get().db.insertInto("webhook_deliveries").values(row(19)).execute();
    expect(await mailRefusedWebhooks(get().db, 20, now)).toBe(true);
    expect(await mailRefusedWebhooks(get().db, 20, now + 60_000)).toBe(false);
    const burstAt = async (at: number) => {
      await get().db.insertInto("webhook_deliveries").values(Array.from({ length: 20 }, (_, i) => row(i, at))).execute();
      return mailRefusedWebhooks(get().db, 20, at);
    };
    // A new burst past the next clock hour, within an hour of the mail: none (CI once ran at 06:59).
    expect(await burstAt(Math.floor(now / 3_600_000) * 3_600_000 + 3_600_000 + 1_000)).toBe(false);
    const queued = await get().db.selectFrom("outbox").select(["recipient", "payload"]).where("kind", "=", "merchant_attention").execute();
    expect(queued).toHaveLength(1);
    expect(queued[0]!.recipient).toBe("merchant");
    expect(JSON.parse(queued[0]!.payload)).toMatchObject({ what: "Webhook deliveries refused", detail: expect.stringContaining("20 webhook deliveries") });
    // An hour after the mail, a new burst is told again.
    expect(await burstAt(now + 3_600_000 + 60_000)).toBe(true);
    await get().db.deleteFrom("webhook_deliveries").where("verdict", "=", "rejected").execute();
  });

  it("two senders at once send each mail once (Postgres: SKIP LOCKED; SQLite: one writer)", async () => {
    for (let i = 0; i < 6; i++) await placeOrder(get().db, payram, undefined, {}, `pair-${i}@example.com`);
    const other = get().dialect === "postgres" ? get().open() : get().db;
    const [a, b] = await Promise.all([send(get().db), send(other)]);
    expect(a.sent + b.sent).toBe(6);
    expect(new Set(sink.received.map((mail) => mail.messageId)).size).toBe(6);
  });
});
