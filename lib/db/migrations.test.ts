import type { Kysely } from "kysely";
import { expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { ATTEMPT_STATES, MERCHANT_STATES } from "../rules/states";
import { migrate } from "./index";
import { ATTENTION_KINDS, DELIVERY_VERDICTS, EVENT_SOURCES, FULFILMENT_KINDS, REFUND_STATUSES } from "./schema";

/**
 * A merchant's database was made by an older release and upgraded in place; a test database is
 * made fresh. Both must accept every value the code writes (migrations are frozen: a CHECK list
 * that followed the code's constants would differ between the two).
 */
describeOnEachDatabase(
  "upgrading a database made by the 0004 release",
  (get) => {
    const at = "2026-11-01T10:00:00.000Z";

    it("keeps every row, backfills the order's payment state, and accepts every value the code writes", async () => {
      const { db } = get();
      expect(await migrate(db, "0004_rate_limits")).toEqual(["0001_initial", "0002_carts", "0003_payment_truth", "0004_rate_limits"]);

      // A row in every table, as the 0004 release wrote them.
      // The tables as 0004 shaped them (products keyed by slug), not as the code types them now.
      const old = db as unknown as Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      await old.insertInto("products").values({ slug: "lamp", name: "Lamp", description: "A lamp", price_cents: 8900, image: "/lamp.png", ships: 1, active: 1, created_at: at, updated_at: at }).execute();
      await db.insertInto("carts").values({ id: "c".repeat(22), created_at: at, updated_at: at }).execute();
      await old.insertInto("cart_items").values({ cart_id: "c".repeat(22), product_slug: "lamp", quantity: 1, added_at: at }).execute();
      const order = (id: string, number: number, paid: boolean) => ({
        id, number, checkout_token: `token-${number}`, email: `${number}@example.com`, shipping_name: null, shipping_line1: null, shipping_line2: null,
        shipping_city: null, shipping_region: null, shipping_postal_code: null, shipping_country: null, total_cents: 8900, currency: "USD" as const,
        created_at: at, updated_at: at, paid_at: paid ? at : null, cancelled_at: null,
      });
      await db.insertInto("orders").values([order("paid", 1001, true), order("partial", 1002, false), order("fresh", 1003, false)]).execute();
      await db.insertInto("order_items").values({ order_id: "paid", position: 1, product_slug: "lamp", name: "Lamp", unit_price_cents: 8900, quantity: 1, line_total_cents: 8900, ships: 1 }).execute();
      const attempt = (id: string, orderId: string, number: number, state: "FILLED" | "CANCELLED" | "PARTIALLY_FILLED", received: number) => ({
        id, order_id: orderId, attempt_number: number, state, reference_id: `ref-${id}`, payment_url: null, amount_cents: 8900, amount_received_cents: received,
        failure_reason: null, created_at: at, updated_at: at, closed_at: null, payram_amount_cents: 8900, currency: "USDC", deposit_address: null,
        last_synced_at: null, next_sync_at: null, quiet_syncs: 0,
      });
      await db
        .insertInto("payment_attempts")
        .values([attempt("a1", "paid", 1, "FILLED", 8900), attempt("b1", "partial", 1, "CANCELLED", 0), attempt("b2", "partial", 2, "PARTIALLY_FILLED", 1500)])
        .execute();
      await db.insertInto("payment_events").values({ order_id: "paid", attempt_id: "a1", source: "webhook", from_state: "OPEN", to_state: "FILLED", amount_received_cents: 8900, note: null, created_at: at }).execute();
      await db.insertInto("webhook_deliveries").values({ received_at: at, method: "POST", auth: "signature", verdict: "accepted", reason: null, reference_id: "ref-a1", event_type: null, payload_status: "FILLED", order_id: "paid", body: "{}" }).execute();
      await db.insertInto("fulfilments").values({ order_id: "paid", attempt_id: "a1", kind: "ship", created_at: at, completed_at: null }).execute();
      await db.insertInto("attention_items").values({ order_id: "partial", attempt_id: "b2", kind: "partial_stale", detail: "quiet", created_at: at, resolved_at: null, resolution_note: null }).execute();
      await db.insertInto("rate_limits").values({ bucket: "checkout:1.2.3.4", window_start: at, count: 3 }).execute();

      expect((await migrate(db)).length).toBeGreaterThan(0);

      expect(await db.selectFrom("orders").select(["id", "payment_state", "received_cents"]).orderBy("number").execute()).toEqual([
        { id: "paid", payment_state: "PAID", received_cents: 8900 },
        { id: "partial", payment_state: "PARTIALLY_FILLED", received_cents: 1500 },
        { id: "fresh", payment_state: "NONE", received_cents: 0 },
      ]);
      // 0019: no order of an old release had its stock released by the merchant.
      expect(await db.selectFrom("orders").select("stock_released_at").where("stock_released_at", "is not", null).execute()).toEqual([]);
      expect(await db.selectFrom("payment_attempts").select(["id", "origin", "credit_cents"]).orderBy("id").execute()).toEqual([
        { id: "a1", origin: "checkout", credit_cents: 8900 },
        { id: "b1", origin: "checkout", credit_cents: 0 },
        { id: "b2", origin: "checkout", credit_cents: 1500 },
      ]);
      expect(await db.selectFrom("attention_items").select(["id", "order_id", "attempt_id", "kind", "detail"]).execute()).toEqual([
        { id: 1, order_id: "partial", attempt_id: "b2", kind: "partial_stale", detail: "quiet" },
      ]);
      expect(await db.selectFrom("carts").select(["id", "order_id", "order_digest"]).execute()).toEqual([{ id: "c".repeat(22), order_id: null, order_digest: null }]);
      // 0010: the product got an id, which the cart line and the order line now name; stock untracked.
      const lamp = await db.selectFrom("products").select(["id", "slug", "stock", "active"]).executeTakeFirstOrThrow();
      expect(lamp).toMatchObject({ slug: "lamp", stock: null, active: 1 });
      expect(await db.selectFrom("cart_items").select(["product_id", "quantity"]).execute()).toEqual([{ product_id: lamp.id, quantity: 1 }]);
      expect(await db.selectFrom("order_items").select(["product_id", "product_slug"]).execute()).toEqual([{ product_id: lamp.id, product_slug: "lamp" }]);
      for (const table of ["cart_items", "order_items", "payment_events", "webhook_deliveries", "fulfilments", "rate_limits"] as const) {
        expect(await db.selectFrom(table).selectAll().execute(), table).toHaveLength(1);
      }

      // Every value the code may write goes in (one open attempt per order: close the other first).
      await db.updateTable("payment_attempts").set({ state: "CANCELLED" }).where("id", "=", "b2").execute();
      for (const state of ATTEMPT_STATES) await db.updateTable("payment_attempts").set({ state }).where("id", "=", "b1").execute();
      for (const origin of ["checkout", "payram"] as const) await db.updateTable("payment_attempts").set({ origin }).where("id", "=", "b1").execute();
      for (const state of MERCHANT_STATES) await db.updateTable("orders").set({ payment_state: state }).where("id", "=", "fresh").execute();
      for (const source of EVENT_SOURCES) await db.updateTable("payment_events").set({ source }).execute();
      for (const verdict of DELIVERY_VERDICTS) await db.updateTable("webhook_deliveries").set({ verdict }).execute();
      for (const kind of FULFILMENT_KINDS) await db.updateTable("fulfilments").set({ kind }).execute();
      for (const kind of ATTENTION_KINDS) {
        await db.insertInto("attention_items").values({ order_id: "partial", attempt_id: "b1", kind, detail: kind, created_at: at, resolved_at: null, resolution_note: null }).execute();
      }
      // 0016: a refund keeps PayRam's last answer; a refund ended by the shop (refused) may take a
      // payout PayRam shows while the order's next refund is in flight.
      const refund = (id: string, status: (typeof REFUND_STATUSES)[number], payoutId: string | null) => ({
        id, order_id: "paid", form_token: `form-${id}`, idempotency_key: `key-${id}`, amount_cents: 100, network: "ETH", token: "USDC", address: "0xabc", crypto_amount: "1.000000",
        price: "1.0", request_body: "{}", payout_id: payoutId, status, tx_hash: null, failure_reason: null, created_at: at, updated_at: at, last_sent_at: at, last_answer: "PayRam failed (503).",
      });
      await db.insertInto("refunds").values(refund("r1", "requesting", null)).execute();
      for (const status of REFUND_STATUSES) await db.updateTable("refunds").set({ status }).where("id", "=", "r1").execute();
      await db.insertInto("refunds").values(refund("r2", "pending", "payout-2")).execute();
      await db.updateTable("refunds").set({ status: "pending", payout_id: "payout-1" }).where("id", "=", "r1").execute();
      expect(await db.selectFrom("refunds").select(["id", "status", "last_answer"]).orderBy("id").execute()).toEqual([
        { id: "r1", status: "pending", last_answer: "PayRam failed (503)." },
        { id: "r2", status: "pending", last_answer: "PayRam failed (503)." },
      ]);
      // Still one refund PayRam has not answered per order: two at once are refused.
      await db.insertInto("refunds").values(refund("r3", "requesting", null)).execute();
      await expect(db.insertInto("refunds").values(refund("r4", "requesting", null)).execute()).rejects.toThrow();
      await expect(db.updateTable("refunds").set({ status: "nonsense" as never }).where("id", "=", "r3").execute()).rejects.toThrow();

      // And a value the code never writes is still refused: the CHECKs are there.
      await expect(db.updateTable("orders").set({ payment_state: "SHIPPED" as never }).where("id", "=", "fresh").execute()).rejects.toThrow();
      await expect(
        db.insertInto("attention_items").values({ order_id: "partial", attempt_id: "b1", kind: "nonsense" as never, detail: "", created_at: at, resolved_at: null, resolution_note: null }).execute(),
      ).rejects.toThrow();
    });
  },
  { migrated: false },
);
