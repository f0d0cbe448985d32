import { execFile } from "node:child_process";
import { expect, it } from "vitest";
import { cleanEnv } from "@/test/cli";
import { describeOnEachDatabase } from "@/test/databases";
import { orderRow } from "@/test/shop";
import { productIdOf, seedCatalog } from "../catalog";
import type { DeliveryVerdict } from "../db/schema";
import { runRetention } from "./retention";
import { hitCappedLimit, LIMITS } from "../security/rate-limit";

const DAY = 24 * 60 * 60_000;
const NOW = new Date("2026-11-26T12:00:00.000Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
const config = { retention: { cartDays: 30, webhookLogDays: 14, intervalMs: 60 * 60_000 } };

describeOnEachDatabase("retention", (get) => {
  it("deletes idle carts, old deliveries that changed no order, ended rate-limit windows and expired sessions, and keeps the rest", async () => {
    const { db } = get();
    await seedCatalog(db);
    await db
      .insertInto("orders")
      .values(orderRow({ id: "order-kept-history-0000001", number: 1001, totalCents: 949, createdAt: ago(60 * DAY), email: "shopper@example.com" }))
      .execute();
    const cart = async (id: string, idleMs: number, orderId: string | null = null) => {
      await db.insertInto("carts").values({ id, created_at: ago(idleMs + DAY), updated_at: ago(idleMs), order_id: orderId }).execute();
      await db.insertInto("cart_items").values({ cart_id: id, product_id: await productIdOf(db, "merino-beanie"), quantity: 1, added_at: ago(idleMs) }).execute();
    };
    await cart("idle-cart-000000000000a", 31 * DAY);
    await cart("idle-cart-ordered-00000b", 31 * DAY, "order-kept-history-0000001");
    await cart("recent-cart-00000000000c", 29 * DAY);

    const delivery = (receivedAgo: number, verdict: DeliveryVerdict, orderId: string | null, reason: string) =>
      db
        .insertInto("webhook_deliveries")
        .values({ received_at: ago(receivedAgo), method: "POST", auth: verdict === "rejected" ? "none" : "signature", verdict, reason, reference_id: null, event_type: null, payload_status: null, order_id: orderId, body: "{}" })
        .execute();
    await delivery(15 * DAY, "rejected", null, "old refused");
    await delivery(15 * DAY, "duplicate", "order-kept-history-0000001", "old duplicate");
    await delivery(15 * DAY, "unknown_reference", null, "old unknown");
    await delivery(15 * DAY, "accepted", "order-kept-history-0000001", "OPEN → FILLED");
    await delivery(13 * DAY, "rejected", null, "recent refused");

    // A client's window that ended a minute ago, one still running, and the refused-delivery cap's today and two days ago.
    await hitCappedLimit(db, LIMITS.rejectedWebhooks, LIMITS.rejectedWebhooksShopWide, "192.0.2.1", NOW.getTime() - 2 * 60_000);
    await hitCappedLimit(db, LIMITS.rejectedWebhooks, LIMITS.rejectedWebhooksShopWide, "192.0.2.2", NOW.getTime());
    await hitCappedLimit(db, LIMITS.rejectedWebhooks, LIMITS.rejectedWebhooksShopWide, "192.0.2.3", NOW.getTime() - 2 * DAY);

    await db
      .insertInto("admin_sessions")
      .values([
        { id: "expired-session", created_at: ago(DAY), expires_at: ago(DAY - 8 * 60 * 60_000), revoked_at: null },
        { id: "live-session", created_at: ago(60_000), expires_at: new Date(NOW.getTime() + 60 * 60_000).toISOString(), revoked_at: null },
      ])
      .execute();

    expect(await runRetention(db, config, NOW)).toEqual({ carts: 2, rateLimitWindows: 3, webhookDeliveries: 3, adminSessions: 1 });

    expect((await db.selectFrom("carts").select("id").execute()).map((r) => r.id)).toEqual(["recent-cart-00000000000c"]);
    expect((await db.selectFrom("cart_items").select("cart_id").execute()).map((r) => r.cart_id)).toEqual(["recent-cart-00000000000c"]);
    expect((await db.selectFrom("orders").select("id").execute()).map((r) => r.id)).toEqual(["order-kept-history-0000001"]);
    expect((await db.selectFrom("webhook_deliveries").select("reason").orderBy("id").execute()).map((r) => r.reason)).toEqual(["OPEN → FILLED", "recent refused"]);
    const windows = await db.selectFrom("rate_limits").select(["bucket", "window_start"]).orderBy("window_start").orderBy("bucket").execute();
    expect(windows.map((r) => `${r.bucket} ${r.window_start.slice(11, 16)}`)).toEqual([
      // The cap's count of two minutes ago stays for "Needs attention"'s day; the client's window is over.
      "rejected_webhooks_shop:* 11:58",
      "rejected_webhooks:192.0.2.2 12:00",
      "rejected_webhooks_shop:* 12:00",
    ]);
    expect((await db.selectFrom("admin_sessions").select("id").execute()).map((r) => r.id)).toEqual(["live-session"]);
    // Nothing left to do.
    expect(await runRetention(db, config, NOW)).toEqual({ carts: 0, rateLimitWindows: 0, webhookDeliveries: 0, adminSessions: 0 });
  });

  it("runs after `npm run sweep`, which says what it deleted", async () => {
    const { db } = get();
    const longAgo = new Date(Date.now() - 31 * DAY).toISOString();
    await db.insertInto("carts").values({ id: "cron-idle-cart-00000000a", created_at: longAgo, updated_at: longAgo }).execute();
    // No open payment is due, so PayRam (nowhere here) is not asked.
    const env = cleanEnv({ DATABASE_URL: get().url, PAYRAM_BASE_URL: "http://127.0.0.1:9" });
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/sweep.ts"], { env, timeout: 60_000 }, (error, out, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(out),
      ),
    );
    // (What earlier tests left behind may go too.)
    expect(stdout).toMatch(/^Sweep: 0 payments checked, 0 changed, 0 failed\.\nRetention: deleted \d+ idle carts?[,.]/);
    expect(await db.selectFrom("carts").select("id").where("id", "=", "cron-idle-cart-00000000a").execute()).toEqual([]);
  });

  it("works through a backlog bigger than one batch", async () => {
    const { db } = get();
    const rows = Array.from({ length: 1_234 }, (_, i) => ({ id: `flood-${String(i).padStart(16, "0")}`, created_at: ago(40 * DAY), updated_at: ago(40 * DAY) }));
    for (let i = 0; i < rows.length; i += 200) await db.insertInto("carts").values(rows.slice(i, i + 200)).execute();
    expect((await runRetention(db, config, NOW)).carts).toBe(1_234);
    expect(await db.selectFrom("carts").select("id").where("id", "like", "flood-%").execute()).toEqual([]);
  });
});
