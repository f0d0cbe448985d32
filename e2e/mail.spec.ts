import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { createDb, migrate } from "../lib/db";
import { syncPayment } from "../lib/payments/sync";
import { startTestPayram, TEST_API_KEY } from "../test/emulator";
import { placeOrder, syncDepsFor, TEST_SECRET } from "../test/shop";
import { startSmtpSink } from "../test/smtp-sink";
import { startNextServer } from "./next-server";

/**
 * The production build sends the outbox over SMTP: its sender loop runs in the server started
 * from instrumentation (the templates are plain escaped strings, so no react-dom/server under the
 * react-server condition). A real SMTP server, in this process, receives what `next start` sends.
 */
test("next start sends the shopper's and the merchant's mails to SMTP, each once", async () => {
  test.setTimeout(90_000);
  const dir = mkdtempSync(join(tmpdir(), "shop-mail-"));
  const path = join(dir, "shop.db");
  const sink = await startSmtpSink();
  const payram = await startTestPayram();
  const db = createDb({ kind: "sqlite", path });
  await migrate(db);
  const server = await startNextServer(3344, {
    DATABASE_URL: `file:${path}`,
    PAYRAM_BASE_URL: payram.emulator.url,
    PAYRAM_API_KEY: TEST_API_KEY,
    SESSION_SECRET: TEST_SECRET,
    ADMIN_EMAIL: "owner@shop.localhost",
    ADMIN_PASSWORD: "mail-test-password",
    SWEEP_INTERVAL_MS: "0",
    APP_BASE_URL: "https://shop.example.com",
    SMTP_URL: sink.url,
    MAIL_FROM: "Lumen Goods <orders@shop.example.com>",
    MERCHANT_EMAIL: "owner@shop.example.com",
  });
  try {
    const order = await placeOrder(db, payram);
    await payram.deposit(order.referenceId, "9.49");
    await syncPayment(syncDepsFor(db, payram), { referenceId: order.referenceId }, "webhook");
    await expect.poll(() => sink.received.length, { timeout: 30_000 }).toBe(4);
    const subjects = sink.received.map((mail) => mail.subject).sort();
    expect(subjects).toEqual(
      [
        `New paid order #${order.orderNumber} · Lumen Goods`,
        `Order #${order.orderNumber} is paid · Lumen Goods`,
        `Order #${order.orderNumber}: how to pay · Lumen Goods`,
        `Order #${order.orderNumber}: your downloads · Lumen Goods`,
      ].sort(),
    );
    const paid = sink.received.find((mail) => mail.subject?.endsWith("is paid · Lumen Goods"))!;
    expect(paid.text).toContain(`https://shop.example.com/orders/${order.orderId}/downloads`);
    expect(String(paid.html)).toContain("<h1");
    // Sent means marked sent: nothing goes twice.
    const unsent = async () => (await db.selectFrom("outbox").select("id").where("sent_at", "is", null).execute()).length;
    await expect.poll(unsent, { timeout: 10_000 }).toBe(0);
    // No address in the server's log.
    expect(server.logs.join("\n")).not.toContain("shopper@example.com");
  } finally {
    await server.stop();
    await db.destroy();
    await payram.emulator.close();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
