import { sql } from "kysely";
import { expect, it } from "vitest";
import { describeOnEachDatabase } from "@/test/databases";
import { createDb, databaseIsReachable, migrate } from "./index";
import { nowIso } from "./schema";
import { runMigrate } from "@/test/cli";
import { orderRow } from "@/test/shop";
import { CATALOG } from "../catalog/products";

describeOnEachDatabase(
  "a fresh database",
  (get) => {
    it("is migrated exactly once when three instances start at once", async () => {
      const { db, url } = get();
      // Separate processes, as real instances are (better-sqlite3 blocks its whole process on a lock).
      const runs = await Promise.all([1, 2, 3].map(() => runMigrate({ DATABASE_URL: url })));
      for (const run of runs) expect(run).toMatchObject({ code: 0, stderr: "" });
      const counter = await db.selectFrom("counters").selectAll().orderBy("name").execute();
      // The demo catalog was seeded once, by one of them.
      expect(counter).toEqual([
        { name: "catalog_seeded", value: 1 },
        { name: "order_number", value: 1000 },
      ]);
      expect(await db.selectFrom("products").select("slug").execute()).toHaveLength(CATALOG.length);
      expect(await migrate(db)).toEqual([]);
    });
  },
  { migrated: false },
);

describeOnEachDatabase("database", (get) => {
  async function insertOrder(id: string, number: number, totalCents: number, createdAt = nowIso()) {
    const { db } = get();
    await db.insertInto("orders").values(orderRow({ id, number, totalCents, createdAt })).execute();
  }

  async function insertAttempt(id: string, orderId: string, attemptNumber: number, state: "OPEN" | "CANCELLED" | "STARTING" | "FILLED") {
    const now = nowIso();
    await get()
      .db.insertInto("payment_attempts")
      .values({
        id,
        order_id: orderId,
        attempt_number: attemptNumber,
        state,
        reference_id: `ref-${id}`,
        payment_url: null,
        amount_cents: 4999,
        amount_received_cents: null,
        failure_reason: null,
        created_at: now,
        updated_at: now,
        closed_at: null,
      })
      .execute();
  }

  it("migrates idempotently", async () => {
    const { db } = get();
    expect(await migrate(db)).toEqual([]);
    expect(await databaseIsReachable(db)).toBe(true);
  });

  it("returns the same JavaScript values for money, counts, sums and times", async () => {
    const { db } = get();
    const createdAt = "2026-11-26T03:51:54.123Z";
    await insertOrder("rt-1", 5001, 9_007_199_254_740_991, createdAt);
    await insertOrder("rt-2", 5002, 4999, createdAt);
    await insertOrder("rt-3", 5003, 1, "2026-01-02T00:00:00.000Z");

    const row = await db.selectFrom("orders").selectAll().where("id", "=", "rt-1").executeTakeFirstOrThrow();
    expect(row.total_cents).toBe(9_007_199_254_740_991);
    expect(row.number).toBe(5001);
    expect(row.created_at).toBe(createdAt);
    expect(row.paid_at).toBeNull();

    const totals = await db
      .selectFrom("orders")
      .select((eb) => [eb.fn.countAll<number>().as("count"), eb.fn.sum<number>("total_cents").as("sum"), eb.fn.max("created_at").as("latest")])
      .where("id", "in", ["rt-2", "rt-3"])
      .executeTakeFirstOrThrow();
    expect(totals).toEqual({ count: 2, sum: 5000, latest: createdAt });

    const none = await db
      .selectFrom("orders")
      .select((eb) => [eb.fn.countAll<number>().as("count"), eb.fn.sum<number>("total_cents").as("sum")])
      .where("id", "=", "missing")
      .executeTakeFirstOrThrow();
    expect(none).toEqual({ count: 0, sum: null });

    // Time comparisons work on the stored representation in both dialects.
    const recent = await db.selectFrom("orders").select("id").where("created_at", ">", "2026-06-01T00:00:00.000Z").where("id", "like", "rt-%").orderBy("id").execute();
    expect(recent.map((r) => r.id)).toEqual(["rt-1", "rt-2"]);
  });

  it("hands out order numbers from 1001, one at a time", async () => {
    const { db } = get();
    const next = () =>
      db.updateTable("counters").set((eb) => ({ value: eb("value", "+", 1) })).where("name", "=", "order_number").returning("value").executeTakeFirstOrThrow();
    const values = await Promise.all([next(), next(), next()]);
    expect(values.map((v) => v.value).sort()).toEqual([1001, 1002, 1003]);
  });

  it("allows at most one open payment attempt per order", async () => {
    const { db } = get();
    await insertOrder("one-open", 6001, 4999);
    await insertAttempt("a1", "one-open", 1, "OPEN");
    await expect(insertAttempt("a2", "one-open", 2, "STARTING")).rejects.toThrow(/unique/i);
    await db.updateTable("payment_attempts").set({ state: "CANCELLED" }).where("id", "=", "a1").execute();
    await insertAttempt("a2", "one-open", 2, "OPEN");
    await expect(insertAttempt("a3", "one-open", 2, "CANCELLED")).rejects.toThrow(/unique/i);
    const states = await db.selectFrom("payment_attempts").select(["attempt_number", "state"]).where("order_id", "=", "one-open").orderBy("attempt_number").execute();
    expect(states).toEqual([
      { attempt_number: 1, state: "CANCELLED" },
      { attempt_number: 2, state: "OPEN" },
    ]);
  });

  it("fulfils an order at most once, whatever races", async () => {
    const { db, open } = get();
    await insertOrder("ful", 7001, 4999);
    await insertAttempt("f1", "ful", 1, "FILLED");
    const other = open();
    const fulfil = (handle: typeof db) =>
      handle
        .insertInto("fulfilments")
        .values({ order_id: "ful", attempt_id: "f1", kind: "ship", created_at: nowIso(), completed_at: null })
        .onConflict((oc) => oc.column("order_id").doNothing())
        .executeTakeFirst();
    const results = await Promise.all([fulfil(db), fulfil(other), fulfil(db)]);
    expect(results.reduce((sum, r) => sum + Number(r.numInsertedOrUpdatedRows ?? 0), 0)).toBe(1);
    const count = await db.selectFrom("fulfilments").select((eb) => eb.fn.countAll<number>().as("n")).where("order_id", "=", "ful").executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
  });

  it("refuses values the model forbids", async () => {
    const { db } = get();
    await expect(insertOrder("neg", 8001, -5)).rejects.toThrow();
    await insertOrder("state", 8002, 100);
    await expect(
      db.insertInto("payment_attempts").values({
        id: "bad-state",
        order_id: "state",
        attempt_number: 1,
        // @ts-expect-error the database must refuse a state the app does not know
        state: "PAID",
        reference_id: null,
        payment_url: null,
        amount_cents: 100,
        amount_received_cents: null,
        failure_reason: null,
        created_at: nowIso(),
        updated_at: nowIso(),
        closed_at: null,
      }).execute(),
    ).rejects.toThrow(/check/i);
    await expect(
      db.insertInto("order_items").values({ order_id: "missing-order", position: 1, product_slug: "x", name: "X", unit_price_cents: 1, quantity: 1, line_total_cents: 1, ships: 0 }).execute(),
    ).rejects.toThrow(/foreign key/i);
  });

  it("numbers serial ids as JavaScript numbers", async () => {
    const { db } = get();
    const first = await db
      .insertInto("webhook_deliveries")
      .values({ received_at: nowIso(), method: "POST", auth: "none", verdict: "rejected", reason: "test", reference_id: null, event_type: null, payload_status: null, order_id: null, body: null })
      .returning("id")
      .executeTakeFirstOrThrow();
    expect(typeof first.id).toBe("number");
    const rows = await sql<{ n: number }>`select count(*) as n from webhook_deliveries`.execute(db);
    expect(rows.rows[0]?.n).toBe(1);
  });
});

it("SQLite: a query prepared before a schema change sees the new schema (statements are kept prepared)", async () => {
  const db = createDb({ kind: "sqlite", path: ":memory:" });
  try {
    await sql`create table notes (id integer primary key)`.execute(db);
    await sql`insert into notes (id) values (1)`.execute(db);
    const read = () => sql`select * from notes`.execute(db).then((result) => result.rows);
    expect(await read()).toEqual([{ id: 1 }]);
    await sql`alter table notes add column body text default 'kept'`.execute(db);
    expect(await read()).toEqual([{ id: 1, body: "kept" }]);
  } finally {
    await db.destroy();
  }
});
