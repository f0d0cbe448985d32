import { type ColumnDefinitionBuilder, type Kysely, type Migration, PostgresAdapter, sql } from "kysely";

/**
 * Migrations as a static list (a Next.js bundle has no migrations folder to read at run time).
 * Append only: never edit a migration that has shipped. Each one runs on SQLite and Postgres,
 * so the few type differences go through the helpers below.
 *
 * Frozen: a migration spells out every value list it checks. It never imports the app's live
 * constants, or a fresh database would get a CHECK that an upgraded one lacks. A migration that
 * adds a value writes the whole new list (and rebuilds the table on SQLite: see widenCheck).
 */

// Migrations see the database without the app's types: its schema is what they are building.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * Asks the adapter itself, not `instanceof`: Next.js bundles Kysely into several server layers,
 * and a handle made in one (instrumentation) and used in another (a route) fails an instanceof
 * test against the other layer's PostgresAdapter — which silently dropped every FOR UPDATE and
 * SKIP LOCKED in route handlers. PostgresAdapter's own dialect-specific method is the mark.
 */
export function isPostgres(db: AnyDb): boolean {
  const adapter = db.getExecutor().adapter as unknown as Record<string, unknown>;
  return adapter instanceof PostgresAdapter || adapter[POSTGRES_MARK] === true;
}

/** Set on the adapter of every Postgres handle createDb makes (lib/db/index.ts). */
export const POSTGRES_MARK = "shopPostgres";

function types(db: AnyDb) {
  const pg = isPostgres(db);
  return {
    /** UTC instant: timestamptz on Postgres, ISO-8601 text on SQLite. */
    time: pg ? ("timestamptz" as const) : ("text" as const),
    /** Auto-incrementing id column. */
    serial: pg ? ("bigserial" as const) : ("integer" as const),
    /** Bytes (an uploaded image or file). */
    binary: pg ? ("bytea" as const) : ("blob" as const),
  };
}

function oneOf(column: string, values: readonly string[]) {
  return sql<boolean>`${sql.ref(column)} in (${sql.join(values.map((value) => sql.lit(value)))})`;
}

/** What the merchant must look at. 0003's kinds; 0005 adds "unknown_state". */
const ATTENTION_KINDS_0003 = ["amount_mismatch", "over_filled", "cancelled_with_funds", "start_failed", "partial_stale"];

async function createAttentionItems(db: AnyDb, table: string, kinds: readonly string[]) {
  const t = types(db);
  await db.schema
    .createTable(table)
    .addColumn("id", t.serial, (c) => (isPostgres(db) ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn("order_id", "text", (c) => c.notNull().references("orders.id").onDelete("cascade"))
    .addColumn("attempt_id", "text", (c) => c.notNull().references("payment_attempts.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull().check(oneOf("kind", kinds)))
    .addColumn("detail", "text", (c) => c.notNull())
    .addColumn("created_at", t.time, (c) => c.notNull())
    .addColumn("resolved_at", t.time)
    .addColumn("resolution_note", "text")
    .addUniqueConstraint("attention_items_attempt_kind", ["attempt_id", "kind"])
    .execute();
}

/**
 * Widens the value list a column's CHECK allows. Postgres alters the constraint in place;
 * SQLite cannot, so the table is rebuilt by `rebuild` (create the new shape under a temporary
 * name, copy, drop, rename, recreate indexes) inside the migration's transaction.
 */
async function widenCheck(db: AnyDb, table: string, column: string, values: readonly string[], rebuild: () => Promise<void>) {
  if (isPostgres(db)) {
    // A column CHECK written without a name is called <table>_<column>_check by Postgres.
    const constraint = `${table}_${column}_check`;
    await sql`alter table ${sql.table(table)} drop constraint ${sql.id(constraint)}, add constraint ${sql.id(constraint)} check (${oneOf(column, values)})`.execute(db);
    return;
  }
  await rebuild();
}

const initial: Migration = {
  async up(db: AnyDb) {
    const t = types(db);
    const serialId = (col: ColumnDefinitionBuilder) =>
      isPostgres(db) ? col.primaryKey() : col.primaryKey().autoIncrement();

    await db.schema
      .createTable("counters")
      .addColumn("name", "text", (c) => c.primaryKey())
      .addColumn("value", "bigint", (c) => c.notNull())
      .execute();
    await db.insertInto("counters").values({ name: "order_number", value: 1000 }).execute();

    await db.schema
      .createTable("products")
      .addColumn("slug", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("price_cents", "bigint", (c) => c.notNull().check(sql`price_cents > 0`))
      .addColumn("image", "text", (c) => c.notNull())
      .addColumn("ships", "integer", (c) => c.notNull().check(sql`ships in (0, 1)`))
      .addColumn("created_at", t.time, (c) => c.notNull())
      .addColumn("updated_at", t.time, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable("orders")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("number", "integer", (c) => c.notNull().unique())
      .addColumn("checkout_token", "text", (c) => c.unique())
      .addColumn("email", "text", (c) => c.notNull())
      .addColumn("shipping_name", "text")
      .addColumn("shipping_line1", "text")
      .addColumn("shipping_line2", "text")
      .addColumn("shipping_city", "text")
      .addColumn("shipping_region", "text")
      .addColumn("shipping_postal_code", "text")
      .addColumn("shipping_country", "text")
      .addColumn("total_cents", "bigint", (c) => c.notNull().check(sql`total_cents > 0`))
      .addColumn("currency", "text", (c) => c.notNull().defaultTo("USD").check(sql`currency = 'USD'`))
      .addColumn("created_at", t.time, (c) => c.notNull())
      .addColumn("updated_at", t.time, (c) => c.notNull())
      .addColumn("paid_at", t.time)
      .addColumn("cancelled_at", t.time)
      .execute();
    await db.schema.createIndex("orders_created_at").on("orders").column("created_at").execute();
    await db.schema.createIndex("orders_email").on("orders").column("email").execute();

    await db.schema
      .createTable("order_items")
      .addColumn("order_id", "text", (c) => c.notNull().references("orders.id").onDelete("cascade"))
      .addColumn("position", "integer", (c) => c.notNull())
      .addColumn("product_slug", "text", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("unit_price_cents", "bigint", (c) => c.notNull().check(sql`unit_price_cents > 0`))
      .addColumn("quantity", "integer", (c) => c.notNull().check(sql`quantity between 1 and 99`))
      .addColumn("line_total_cents", "bigint", (c) => c.notNull())
      .addColumn("ships", "integer", (c) => c.notNull().check(sql`ships in (0, 1)`))
      .addPrimaryKeyConstraint("order_items_pk", ["order_id", "position"])
      .execute();

    await db.schema
      .createTable("payment_attempts")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("order_id", "text", (c) => c.notNull().references("orders.id").onDelete("cascade"))
      .addColumn("attempt_number", "integer", (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull().check(oneOf("state", ["STARTING", "START_FAILED", "OPEN", "PARTIALLY_FILLED", "FILLED", "OVER_FILLED", "CANCELLED"])))
      .addColumn("reference_id", "text", (c) => c.unique())
      .addColumn("payment_url", "text")
      .addColumn("amount_cents", "bigint", (c) => c.notNull().check(sql`amount_cents > 0`))
      .addColumn("amount_received_cents", "bigint")
      .addColumn("failure_reason", "text")
      .addColumn("created_at", t.time, (c) => c.notNull())
      .addColumn("updated_at", t.time, (c) => c.notNull())
      .addColumn("closed_at", t.time)
      .addUniqueConstraint("payment_attempts_order_attempt", ["order_id", "attempt_number"])
      .execute();
    // At most one open payment per order, enforced by the database rather than by a check-then-write.
    await db.schema
      .createIndex("payment_attempts_one_open_per_order")
      .unique()
      .on("payment_attempts")
      .column("order_id")
      .where(oneOf("state", ["STARTING", "OPEN", "PARTIALLY_FILLED"]))
      .execute();
    await db.schema.createIndex("payment_attempts_state").on("payment_attempts").column("state").execute();

    await db.schema
      .createTable("payment_events")
      .addColumn("id", t.serial, serialId)
      .addColumn("order_id", "text", (c) => c.notNull().references("orders.id").onDelete("cascade"))
      .addColumn("attempt_id", "text", (c) => c.notNull().references("payment_attempts.id").onDelete("cascade"))
      .addColumn("source", "text", (c) => c.notNull().check(oneOf("source", ["checkout", "webhook", "poll", "sweep", "merchant"])))
      .addColumn("from_state", "text")
      .addColumn("to_state", "text", (c) => c.notNull())
      .addColumn("amount_received_cents", "bigint")
      .addColumn("note", "text")
      .addColumn("created_at", t.time, (c) => c.notNull())
      .execute();
    await db.schema.createIndex("payment_events_order").on("payment_events").columns(["order_id", "id"]).execute();

    await createWebhookDeliveries(db, "webhook_deliveries", ["received", "accepted", "duplicate", "unknown_reference", "ignored", "ping", "rejected", "failed"]);
    await db.schema.createIndex("webhook_deliveries_order").on("webhook_deliveries").column("order_id").execute();
    await db.schema
      .createIndex("webhook_deliveries_received_at")
      .on("webhook_deliveries")
      .column("received_at")
      .execute();

    await db.schema
      .createTable("fulfilments")
      .addColumn("order_id", "text", (c) => c.primaryKey().references("orders.id").onDelete("cascade"))
      .addColumn("attempt_id", "text", (c) => c.notNull().references("payment_attempts.id"))
      .addColumn("kind", "text", (c) => c.notNull().check(oneOf("kind", ["ship", "deliver"])))
      .addColumn("created_at", t.time, (c) => c.notNull())
      .addColumn("completed_at", t.time)
      .execute();
  },
};

const carts: Migration = {
  async up(db: AnyDb) {
    const t = types(db);
    // Products dropped from the catalog stay (carts and past orders point at them), inactive.
    await db.schema
      .alterTable("products")
      .addColumn("active", "integer", (c) => c.notNull().defaultTo(1).check(sql`active in (0, 1)`))
      .execute();

    await db.schema
      .createTable("carts")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("created_at", t.time, (c) => c.notNull())
      .addColumn("updated_at", t.time, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("cart_items")
      .addColumn("cart_id", "text", (c) => c.notNull().references("carts.id").onDelete("cascade"))
      .addColumn("product_slug", "text", (c) => c.notNull().references("products.slug"))
      .addColumn("quantity", "integer", (c) => c.notNull().check(sql`quantity between 1 and 99`))
      .addColumn("added_at", t.time, (c) => c.notNull())
      .addPrimaryKeyConstraint("cart_items_pk", ["cart_id", "product_slug"])
      .execute();
  },
};

const paymentTruth: Migration = {
  async up(db: AnyDb) {
    const t = types(db);
    for (const [name, type] of [
      ["payram_amount_cents", "bigint"],
      ["currency", "text"],
      ["deposit_address", "text"],
      ["last_synced_at", t.time],
      ["next_sync_at", t.time],
    ] as const) {
      await db.schema.alterTable("payment_attempts").addColumn(name, type).execute();
    }
    await db.schema
      .alterTable("payment_attempts")
      .addColumn("quiet_syncs", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex("payment_attempts_next_sync").on("payment_attempts").column("next_sync_at").execute();

    await createAttentionItems(db, "attention_items", ATTENTION_KINDS_0003);
    await db.schema.createIndex("attention_items_open").on("attention_items").columns(["resolved_at", "created_at"]).execute();
  },
};

const rateLimits: Migration = {
  async up(db: AnyDb) {
    // Fixed-window counters shared by every instance: one row per (limit and client, window).
    await db.schema
      .createTable("rate_limits")
      .addColumn("bucket", "text", (c) => c.notNull())
      .addColumn("window_start", types(db).time, (c) => c.notNull())
      .addColumn("count", "integer", (c) => c.notNull())
      .addPrimaryKeyConstraint("rate_limits_pk", ["bucket", "window_start"])
      .execute();
    await db.schema.createIndex("rate_limits_window").on("rate_limits").column("window_start").execute();
  },
};

/** Issue 15's fixes: a cart's open order, revocable merchant sessions, unknown PayRam states flagged. */
const roundTwoSafety: Migration = {
  async up(db: AnyDb) {
    const t = types(db);
    // The order a cart's checkout made, and the cart's digest then: any checkout page of this
    // cart with that digest resumes that order instead of making a second one.
    await db.schema
      .alterTable("carts")
      .addColumn("order_id", "text", (c) => c.references("orders.id").onDelete("set null"))
      .execute();
    await db.schema.alterTable("carts").addColumn("order_digest", "text").execute();
    await db.schema.createIndex("carts_updated_at").on("carts").column("updated_at").execute();

    const kinds = [...ATTENTION_KINDS_0003, "unknown_state"];
    await widenCheck(db, "attention_items", "kind", kinds, async () => {
      await createAttentionItems(db, "attention_items_0005", kinds);
      await sql`insert into attention_items_0005 (id, order_id, attempt_id, kind, detail, created_at, resolved_at, resolution_note)
        select id, order_id, attempt_id, kind, detail, created_at, resolved_at, resolution_note from attention_items`.execute(db);
      await db.schema.dropTable("attention_items").execute();
      await db.schema.alterTable("attention_items_0005").renameTo("attention_items").execute();
      await db.schema.createIndex("attention_items_open").on("attention_items").columns(["resolved_at", "created_at"]).execute();
    });

    // Merchant sessions, so that signing out ends one on every instance.
    await db.schema
      .createTable("admin_sessions")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("created_at", t.time, (c) => c.notNull())
      .addColumn("expires_at", t.time, (c) => c.notNull())
      .addColumn("revoked_at", t.time)
      .execute();
    await db.schema.createIndex("admin_sessions_expires_at").on("admin_sessions").column("expires_at").execute();
  },
};

/**
 * The merchant's state of each order and what it received, stored on the order so that SQL can
 * filter, count and export by it (lib/rules/states.ts says how it is worked out).
 */
const orderPaymentState: Migration = {
  async up(db: AnyDb) {
    const states = ["PAID", "OPEN", "PARTIALLY_FILLED", "FILLED", "OVER_FILLED", "CANCELLED", "START_FAILED", "STARTING", "NONE"];
    await db.schema
      .alterTable("orders")
      .addColumn("payment_state", "text", (c) => c.notNull().defaultTo("NONE").check(oneOf("payment_state", states)))
      .execute();
    await db.schema
      .alterTable("orders")
      .addColumn("received_cents", "bigint", (c) => c.notNull().defaultTo(0).check(sql`received_cents >= 0`))
      .execute();
    // Backfill: PAID once paid, else the latest attempt's state (NONE before the first); received
    // over every attempt.
    await sql`update orders set
      payment_state = case when paid_at is not null then 'PAID' else coalesce(
        (select a.state from payment_attempts a where a.order_id = orders.id order by a.attempt_number desc limit 1), 'NONE') end,
      received_cents = coalesce((select sum(a.amount_received_cents) from payment_attempts a where a.order_id = orders.id), 0)`.execute(db);
    await db.schema.createIndex("orders_payment_state").on("orders").columns(["payment_state", "created_at"]).execute();
  },
};

/**
 * An order may be paid over several PayRam references (a top-up under a new reference): each
 * attempt says who opened it and what it credits the order; only the checkout's own attempts are
 * limited to one open at a time.
 */
const paymentsPerOrder: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .alterTable("payment_attempts")
      .addColumn("origin", "text", (c) => c.notNull().defaultTo("checkout").check(oneOf("origin", ["checkout", "payram"])))
      .execute();
    await db.schema
      .alterTable("payment_attempts")
      .addColumn("credit_cents", "bigint", (c) => c.notNull().defaultTo(0).check(sql`credit_cents >= 0`))
      .execute();
    // FILLED credits what PayRam asked for (its own verdict); every other state what arrived.
    await sql`update payment_attempts set credit_cents = case when state = 'FILLED' and payram_amount_cents is not null
      then payram_amount_cents else coalesce(amount_received_cents, 0) end`.execute(db);
    await sql`update orders set received_cents = coalesce((select sum(a.credit_cents) from payment_attempts a where a.order_id = orders.id), 0)`.execute(db);
    await db.schema.dropIndex("payment_attempts_one_open_per_order").execute();
    await db.schema
      .createIndex("payment_attempts_one_open_per_order")
      .unique()
      .on("payment_attempts")
      .column("order_id")
      .where(sql<boolean>`${oneOf("state", ["STARTING", "OPEN", "PARTIALLY_FILLED"])} and origin = 'checkout'`)
      .execute();
  },
};

/** When each payment was asked to expire, so that the sweep never backs off past it. */
const paymentExpiry: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable("payment_attempts").addColumn("expires_at", types(db).time).execute();
  },
};

/** Webhook deliveries as 0001 created them, with the verdicts given (0009 rebuilds the table on SQLite to widen them). */
async function createWebhookDeliveries(db: AnyDb, table: string, verdicts: readonly string[]) {
  const t = types(db);
  await db.schema
    .createTable(table)
    .addColumn("id", t.serial, (c) => (isPostgres(db) ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn("received_at", t.time, (c) => c.notNull())
    .addColumn("method", "text", (c) => c.notNull())
    .addColumn("auth", "text", (c) => c.notNull().check(oneOf("auth", ["signature", "api_key", "none"])))
    .addColumn("verdict", "text", (c) => c.notNull().check(oneOf("verdict", verdicts)))
    .addColumn("reason", "text")
    .addColumn("reference_id", "text")
    .addColumn("event_type", "text")
    .addColumn("payload_status", "text")
    .addColumn("order_id", "text", (c) => c.references("orders.id").onDelete("set null"))
    .addColumn("body", "text")
    .execute();
}

/**
 * Issue 17's storms and top-ups: confirmations and a delivery's unseen news on each attempt;
 * throttled deliveries aggregated (one row per reference and claim, counted); references PayRam
 * could not answer for yet, kept for the sweep; and attention items that belong to an order
 * (one overpayment flag per order, whichever reference made it).
 */
const stormsAndTopUps: Migration = {
  async up(db: AnyDb) {
    const t = types(db);
    for (const [name, type] of [
      ["confirmations_current", "integer"],
      ["confirmations_required", "integer"],
      // A delivery claimed news at this time that no PayRam GET started since has seen.
      ["unseen_news_at", t.time],
    ] as const) {
      await db.schema.alterTable("payment_attempts").addColumn(name, type).execute();
    }

    const verdicts = ["received", "accepted", "duplicate", "unknown_reference", "ignored", "ping", "rejected", "failed", "throttled", "pending"];
    await widenCheck(db, "webhook_deliveries", "verdict", verdicts, async () => {
      await createWebhookDeliveries(db, "webhook_deliveries_0009", verdicts);
      await sql`insert into webhook_deliveries_0009 (id, received_at, method, auth, verdict, reason, reference_id, event_type, payload_status, order_id, body)
        select id, received_at, method, auth, verdict, reason, reference_id, event_type, payload_status, order_id, body from webhook_deliveries`.execute(db);
      await db.schema.dropTable("webhook_deliveries").execute();
      await db.schema.alterTable("webhook_deliveries_0009").renameTo("webhook_deliveries").execute();
      await db.schema.createIndex("webhook_deliveries_order").on("webhook_deliveries").column("order_id").execute();
      await db.schema.createIndex("webhook_deliveries_received_at").on("webhook_deliveries").column("received_at").execute();
    });
    await db.schema.alterTable("webhook_deliveries").addColumn("copies", "integer", (c) => c.notNull().defaultTo(1)).execute();
    await db.schema.alterTable("webhook_deliveries").addColumn("last_seen_at", t.time).execute();
    // Set on throttled rows only: the reference and what the delivery claimed.
    await db.schema.alterTable("webhook_deliveries").addColumn("claim_key", "text").execute();
    await db.schema.createIndex("webhook_deliveries_claim").unique().on("webhook_deliveries").column("claim_key").execute();

    await db.schema
      .createTable("pending_references")
      .addColumn("reference_id", "text", (c) => c.primaryKey())
      .addColumn("customer_id", "text", (c) => c.notNull())
      .addColumn("customer_email", "text")
      .addColumn("first_seen_at", t.time, (c) => c.notNull())
      .addColumn("next_try_at", t.time, (c) => c.notNull())
      .addColumn("tries", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex("pending_references_next_try").on("pending_references").column("next_try_at").execute();

    // Null on per-attempt items (unique per attempt and kind, as before); set on per-order ones,
    // one open at a time: once the merchant resolves it, new money raises a new one.
    await db.schema.alterTable("attention_items").addColumn("order_key", "text").execute();
    await db.schema
      .createIndex("attention_items_order_key")
      .unique()
      .on("attention_items")
      .columns(["order_id", "order_key"])
      .where(sql<boolean>`resolved_at is null`)
      .execute();
  },
};

/** Widens attention_items' kinds as 0009 shaped the table (with order_key); SQLite rebuilds it under `temporary`. */
async function widenAttentionKinds(db: AnyDb, temporary: string, kinds: readonly string[]) {
  await widenCheck(db, "attention_items", "kind", kinds, async () => {
    await createAttentionItems(db, temporary, kinds);
    await db.schema.alterTable(temporary).addColumn("order_key", "text").execute();
    await sql`insert into ${sql.table(temporary)} (id, order_id, attempt_id, kind, detail, created_at, resolved_at, resolution_note, order_key)
      select id, order_id, attempt_id, kind, detail, created_at, resolved_at, resolution_note, order_key from attention_items`.execute(db);
    await db.schema.dropTable("attention_items").execute();
    await db.schema.alterTable(temporary).renameTo("attention_items").execute();
    await db.schema.createIndex("attention_items_open").on("attention_items").columns(["resolved_at", "created_at"]).execute();
    await db.schema
      .createIndex("attention_items_order_key")
      .unique()
      .on("attention_items")
      .columns(["order_id", "order_key"])
      .where(sql<boolean>`resolved_at is null`)
      .execute();
  });
}

/**
 * Issue 19: the merchant's catalog. Products get a surrogate id (the slug becomes an editable,
 * unique field; old slugs redirect), stock (null: not tracked), uploaded images and download
 * files stored in the database (every instance serves them), and per-order stock reservations.
 */
const catalogAndStock: Migration = {
  async up(db: AnyDb) {
    const t = types(db);
    const serialId = (col: ColumnDefinitionBuilder) => (isPostgres(db) ? col.primaryKey() : col.primaryKey().autoIncrement());

    await db.schema
      .createTable("product_files")
      .addColumn("sha256", "text", (c) => c.primaryKey())
      .addColumn("content_type", "text", (c) => c.notNull())
      .addColumn("size", "integer", (c) => c.notNull())
      .addColumn("bytes", t.binary, (c) => c.notNull())
      .addColumn("created_at", t.time, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable("products_0010")
      .addColumn("id", t.serial, serialId)
      .addColumn("slug", "text", (c) => c.notNull().unique())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("price_cents", "bigint", (c) => c.notNull().check(sql`price_cents > 0`))
      .addColumn("image", "text", (c) => c.notNull())
      .addColumn("ships", "integer", (c) => c.notNull().check(sql`ships in (0, 1)`))
      .addColumn("active", "integer", (c) => c.notNull().defaultTo(1).check(sql`active in (0, 1)`))
      .addColumn("stock", "integer", (c) => c.check(sql`stock >= 0`))
      .addColumn("download_sha256", "text", (c) => c.references("product_files.sha256"))
      .addColumn("download_name", "text")
      .addColumn("created_at", t.time, (c) => c.notNull())
      .addColumn("updated_at", t.time, (c) => c.notNull())
      .execute();
    await sql`insert into products_0010 (slug, name, description, price_cents, image, ships, active, created_at, updated_at)
      select slug, name, description, price_cents, image, ships, active, created_at, updated_at from products order by created_at, slug`.execute(db);

    await db.schema
      .createTable("cart_items_0010")
      .addColumn("cart_id", "text", (c) => c.notNull().references("carts.id").onDelete("cascade"))
      .addColumn("product_id", "bigint", (c) => c.notNull().references("products_0010.id"))
      .addColumn("quantity", "integer", (c) => c.notNull().check(sql`quantity between 1 and 99`))
      .addColumn("added_at", t.time, (c) => c.notNull())
      .addPrimaryKeyConstraint("cart_items_0010_pk", ["cart_id", "product_id"])
      .execute();
    await sql`insert into cart_items_0010 (cart_id, product_id, quantity, added_at)
      select i.cart_id, p.id, i.quantity, i.added_at from cart_items i join products_0010 p on p.slug = i.product_slug`.execute(db);
    await db.schema.dropTable("cart_items").execute();
    await db.schema.dropTable("products").execute();
    await db.schema.alterTable("products_0010").renameTo("products").execute();
    await db.schema.alterTable("cart_items_0010").renameTo("cart_items").execute();
    await db.schema.createIndex("cart_items_product").on("cart_items").column("product_id").execute();

    // Past orders keep their snapshots; the product they came from, by id, for stock and downloads.
    await db.schema.alterTable("order_items").addColumn("product_id", "bigint", (c) => c.references("products.id")).execute();
    await sql`update order_items set product_id = (select p.id from products p where p.slug = order_items.product_slug)`.execute(db);
    await db.schema.createIndex("order_items_product").on("order_items").column("product_id").execute();

    // A product's earlier slugs: old links redirect to its page.
    await db.schema
      .createTable("product_slug_history")
      .addColumn("slug", "text", (c) => c.primaryKey())
      .addColumn("product_id", "bigint", (c) => c.notNull().references("products.id").onDelete("cascade"))
      .addColumn("created_at", t.time, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable("product_images")
      .addColumn("sha256", "text", (c) => c.primaryKey())
      .addColumn("content_type", "text", (c) => c.notNull().check(oneOf("content_type", ["image/png", "image/jpeg", "image/webp"])))
      .addColumn("size", "integer", (c) => c.notNull())
      .addColumn("bytes", t.binary, (c) => c.notNull())
      .addColumn("created_at", t.time, (c) => c.notNull())
      .execute();

    // What an order holds of the stock; released once (released_at), re-reserved by a new row.
    await db.schema
      .createTable("stock_reservations")
      .addColumn("id", t.serial, serialId)
      .addColumn("order_id", "text", (c) => c.notNull().references("orders.id").onDelete("cascade"))
      .addColumn("product_id", "bigint", (c) => c.notNull().references("products.id"))
      .addColumn("quantity", "integer", (c) => c.notNull().check(sql`quantity > 0`))
      .addColumn("created_at", t.time, (c) => c.notNull())
      .addColumn("released_at", t.time)
      .execute();
    await db.schema.createIndex("stock_reservations_order").on("stock_reservations").columns(["order_id", "released_at"]).execute();

    await widenAttentionKinds(db, "attention_items_0010", [...ATTENTION_KINDS_0003, "unknown_state", "out_of_stock"]);
  },
};

/**
 * Issue 20: mail and fulfilment. An outbox (one row per mail, its key unique, written in the
 * transaction of the event), per-line shipping and download counts, and orders that mail (those
 * placed before this release do not).
 */
const mailAndFulfilment: Migration = {
  async up(db: AnyDb) {
    const t = types(db);
    const serialId = (col: ColumnDefinitionBuilder) => (isPostgres(db) ? col.primaryKey() : col.primaryKey().autoIncrement());
    await db.schema
      .createTable("outbox")
      .addColumn("id", t.serial, serialId)
      .addColumn("key", "text", (c) => c.notNull().unique())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("order_id", "text", (c) => c.references("orders.id").onDelete("cascade"))
      // An address, or "merchant" (MERCHANT_EMAIL, read when it is sent).
      .addColumn("recipient", "text", (c) => c.notNull())
      // What the mail says, as JSON, captured at the event; rendered when it is sent.
      .addColumn("payload", "text", (c) => c.notNull())
      .addColumn("message_id", "text", (c) => c.notNull())
      .addColumn("created_at", t.time, (c) => c.notNull())
      .addColumn("next_try_at", t.time, (c) => c.notNull())
      .addColumn("tries", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("lease_until", t.time)
      .addColumn("sent_at", t.time)
      .addColumn("gave_up_at", t.time)
      .addColumn("last_error", "text")
      .execute();
    await db.schema
      .createIndex("outbox_due")
      .on("outbox")
      .column("next_try_at")
      .where(sql<boolean>`sent_at is null and gave_up_at is null`)
      .execute();
    await db.schema.createIndex("outbox_order").on("outbox").column("order_id").execute();

    // 1: the shop mails about this order (every order from this release on).
    await db.schema.alterTable("orders").addColumn("mails", "integer", (c) => c.notNull().defaultTo(0).check(sql`mails in (0, 1)`)).execute();

    for (const [name, type] of [
      ["shipped_at", t.time],
      ["carrier", "text"],
      ["tracking_number", "text"],
      ["tracking_url", "text"],
    ] as const) {
      await db.schema.alterTable("order_items").addColumn(name, type).execute();
    }
    await db.schema.alterTable("order_items").addColumn("downloads", "integer", (c) => c.notNull().defaultTo(0)).execute();

    await widenAttentionKinds(db, "attention_items_0011", [...ATTENTION_KINDS_0003, "unknown_state", "out_of_stock", "mail_failed"]);
  },
};

/**
 * Issue 21: refunds, paid out through PayRam's payouts API. Each refund row is written, with its
 * Idempotency-Key and the exact body, before PayRam is first called; at most one per order is in
 * flight (a partial unique index), and a form token finds a double click's row again.
 */
const refunds: Migration = {
  async up(db: AnyDb) {
    const t = types(db);
    const inFlight = ["requesting", "pending-otp-verification", "pending-approval", "pending", "initiated", "sent"];
    await db.schema
      .createTable("refunds")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("order_id", "text", (c) => c.notNull().references("orders.id").onDelete("cascade"))
      .addColumn("form_token", "text", (c) => c.notNull().unique())
      .addColumn("idempotency_key", "text", (c) => c.notNull().unique())
      .addColumn("amount_cents", "bigint", (c) => c.notNull().check(sql`amount_cents > 0`))
      .addColumn("network", "text", (c) => c.notNull())
      .addColumn("token", "text", (c) => c.notNull())
      .addColumn("address", "text", (c) => c.notNull())
      .addColumn("crypto_amount", "text", (c) => c.notNull())
      .addColumn("price", "text", (c) => c.notNull())
      .addColumn("request_body", "text", (c) => c.notNull())
      .addColumn("payout_id", "text", (c) => c.unique())
      .addColumn("status", "text", (c) =>
        c.notNull().check(oneOf("status", [...inFlight, "processed", "failed", "rejected", "cancelled", "refused"])),
      )
      .addColumn("tx_hash", "text")
      .addColumn("failure_reason", "text")
      .addColumn("created_at", t.time, (c) => c.notNull())
      .addColumn("updated_at", t.time, (c) => c.notNull())
      .addColumn("last_sent_at", t.time)
      .execute();
    await db.schema
      .createIndex("refunds_one_in_flight")
      .unique()
      .on("refunds")
      .column("order_id")
      .where(oneOf("status", inFlight))
      .execute();
  },
};

/** Where the shopper wants their refund: confirmed by a mailed link, frozen once a refund uses it. */
const refundAddresses: Migration = {
  async up(db: AnyDb) {
    const t = types(db);
    await db.schema
      .createTable("refund_addresses")
      .addColumn("order_id", "text", (c) => c.primaryKey().references("orders.id").onDelete("cascade"))
      .addColumn("network", "text", (c) => c.notNull())
      .addColumn("token", "text", (c) => c.notNull())
      .addColumn("address", "text", (c) => c.notNull())
      // sha-256 of the mailed confirmation token (the token itself is only in the mail).
      .addColumn("confirm_hash", "text", (c) => c.notNull())
      .addColumn("created_at", t.time, (c) => c.notNull())
      .addColumn("confirmed_at", t.time)
      .addColumn("frozen_at", t.time)
      .execute();

    // Each step of a refund, for the order's timeline.
    await db.schema
      .createTable("refund_events")
      .addColumn("id", t.serial, (c) => (isPostgres(db) ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn("refund_id", "text", (c) => c.notNull().references("refunds.id").onDelete("cascade"))
      .addColumn("order_id", "text", (c) => c.notNull().references("orders.id").onDelete("cascade"))
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("note", "text")
      .addColumn("created_at", t.time, (c) => c.notNull())
      .execute();
    await db.schema.createIndex("refund_events_order").on("refund_events").columns(["order_id", "id"]).execute();
  },
};

/** A refund PayRam leaves unanswered for over an hour is put before the merchant. */
const refundAttention: Migration = {
  async up(db: AnyDb) {
    await widenAttentionKinds(db, "attention_items_0014", [...ATTENTION_KINDS_0003, "unknown_state", "out_of_stock", "mail_failed", "refund_unanswered"]);
  },
};

/**
 * Issue 28: what arrived on each reference, exactly as PayRam wrote it (the ledger rounds the
 * order's sum once, down), valued now and, where PayRam says, at the quote.
 */
const ledgerAmounts: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable("payment_attempts").addColumn("received_usd", "text").execute();
    await db.schema.alterTable("payment_attempts").addColumn("received_at_quote", "text").execute();
  },
};

/**
 * Issue 28: a refund life that always ends. The shop stops re-sending a refund by itself after a
 * while and puts it before the merchant with PayRam's last answer (`last_answer`), and a payout
 * PayRam made for a refund the shop had ended wins over the shop's `refused`. Such a payout may
 * come while the order's next refund is in flight, so the one-in-flight index now covers the
 * refunds PayRam has not answered with a payout — the ones two requests could create at once.
 */
const refundLife: Migration = {
  async up(db: AnyDb) {
    const inFlight = ["requesting", "pending-otp-verification", "pending-approval", "pending", "initiated", "sent"];
    await db.schema.alterTable("refunds").addColumn("last_answer", "text").execute();
    await db.schema.dropIndex("refunds_one_in_flight").execute();
    await db.schema
      .createIndex("refunds_one_unanswered")
      .unique()
      .on("refunds")
      .column("order_id")
      .where(sql<boolean>`${oneOf("status", inFlight)} and payout_id is null`)
      .execute();
    await widenAttentionKinds(db, "attention_items_0016", [
      ...ATTENTION_KINDS_0003,
      "unknown_state",
      "out_of_stock",
      "mail_failed",
      "refund_unanswered",
      "refund_stopped",
      "refund_paid_after_end",
    ]);
  },
};

/**
 * Issue 29.4: a new answer to "Where should we send your refund?" no longer replaces the confirmed
 * one. It waits beside it (`pending_*`, its link's hash in `confirm_hash`) until its own link
 * confirms it; the confirmed address stays in force meanwhile.
 */
const refundAddressPending: Migration = {
  async up(db: AnyDb) {
    const t = types(db);
    for (const column of ["pending_network", "pending_token", "pending_address"]) {
      await db.schema.alterTable("refund_addresses").addColumn(column, "text").execute();
    }
    await db.schema.alterTable("refund_addresses").addColumn("pending_created_at", t.time).execute();
  },
};

/**
 * Issue 29.2: nobody holds all of a product's stock. A product says how many pieces one order may
 * take (`max_per_order`, 10 unless the merchant sets another), and an order remembers the client
 * that placed it (`client_key`, a keyed hash of its address) so that what unpaid orders of one
 * client hold at once can be capped (lib/catalog/stock.ts).
 */
const stockCaps: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable("products").addColumn("max_per_order", "integer", (c) => c.notNull().defaultTo(10)).execute();
    await db.schema.alterTable("orders").addColumn("client_key", "text").execute();
    await db.schema.createIndex("stock_reservations_held").on("stock_reservations").columns(["product_id", "released_at"]).execute();
  },
};

/**
 * Issue 29.2: the merchant can release an order's stock while its payment is open at PayRam (which
 * has no cancel call). `stock_released_at` says when: the order stays payable, but only money that
 * pays it takes the stock again (lib/payments/attempts.ts keepStockInStep), and if the stock is gone
 * by then the merchant is told ("paid, but out of stock").
 */
const merchantStockRelease: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable("orders").addColumn("stock_released_at", types(db).time).execute();
  },
};

/**
 * Issue 30: people instead of one shared password. A person signs in by email with an Argon2id
 * password (`password_hash` null: invited, not yet accepted), has a role, may be disabled, and may
 * have a TOTP second factor (`totp_secret`, `totp_last_step` against replays; `totp_pending_secret`
 * while enrolling) with single-use recovery codes kept hashed. Invitation and password-reset links
 * are single-use tokens kept hashed. Sessions now belong to a person (the single-password ones end
 * here) and remember the browser, address, last request and when the second factor was last
 * entered (step-up). A staff member's refund is a request until an owner or manager decides it.
 */
const people: Migration = {
  async up(db: AnyDb) {
    const t = types(db);
    await db.schema
      .createTable("people")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("email", "text", (c) => c.notNull().unique())
      .addColumn("role", "text", (c) => c.notNull().check(oneOf("role", ["owner", "manager", "staff"])))
      .addColumn("password_hash", "text")
      .addColumn("created_at", t.time, (c) => c.notNull())
      .addColumn("disabled_at", t.time)
      .addColumn("totp_secret", "text")
      .addColumn("totp_pending_secret", "text")
      .addColumn("totp_last_step", "bigint")
      .execute();
    await db.schema
      .createTable("recovery_codes")
      .addColumn("id", t.serial, (c) => (isPostgres(db) ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn("person_id", "text", (c) => c.notNull().references("people.id").onDelete("cascade"))
      .addColumn("code_hash", "text", (c) => c.notNull())
      .addColumn("used_at", t.time)
      .execute();
    await db.schema
      .createTable("person_tokens")
      .addColumn("token_hash", "text", (c) => c.primaryKey())
      .addColumn("person_id", "text", (c) => c.notNull().references("people.id").onDelete("cascade"))
      .addColumn("kind", "text", (c) => c.notNull().check(oneOf("kind", ["invite", "reset"])))
      .addColumn("created_at", t.time, (c) => c.notNull())
      .addColumn("expires_at", t.time, (c) => c.notNull())
      .addColumn("used_at", t.time)
      .execute();
    await db.schema
      .createTable("shop_settings")
      .addColumn("name", "text", (c) => c.primaryKey())
      .addColumn("value", "text", (c) => c.notNull())
      .execute();
    for (const column of ["person_id", "user_agent", "address"]) await db.schema.alterTable("admin_sessions").addColumn(column, "text").execute();
    for (const column of ["last_seen_at", "second_factor_at"]) await db.schema.alterTable("admin_sessions").addColumn(column, t.time).execute();
    // The shared password's sessions name nobody: they end with the upgrade.
    await db.updateTable("admin_sessions").set({ revoked_at: new Date().toISOString() }).where("revoked_at", "is", null).execute();
    await db.schema
      .createTable("refund_requests")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("order_id", "text", (c) => c.notNull().references("orders.id").onDelete("cascade"))
      .addColumn("form_token", "text", (c) => c.notNull().unique())
      .addColumn("network", "text", (c) => c.notNull())
      .addColumn("token", "text", (c) => c.notNull())
      .addColumn("address", "text", (c) => c.notNull())
      .addColumn("amount_cents", "bigint", (c) => c.notNull().check(sql`amount_cents > 0`))
      .addColumn("requested_by", "text", (c) => c.notNull())
      .addColumn("created_at", t.time, (c) => c.notNull())
      .addColumn("decision", "text", (c) => c.check(oneOf("decision", ["approved", "declined"])))
      .addColumn("decided_by", "text")
      .addColumn("decided_at", t.time)
      .addColumn("refund_id", "text")
      .execute();
  },
};

/**
 * Issue 30: the audit log, append-only. Who (the person's id and email as they were), what, which
 * order / product / refund / person, before -> after, when, from which address, and the outcome.
 * No foreign keys: a deleted product or order keeps its trail. A trigger refuses UPDATE and DELETE
 * (and TRUNCATE on Postgres), so not even a bug or a hand-typed statement rewrites history.
 */
const auditLog: Migration = {
  async up(db: AnyDb) {
    const t = types(db);
    await db.schema
      .createTable("audit_log")
      .addColumn("id", t.serial, (c) => (isPostgres(db) ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn("at", t.time, (c) => c.notNull())
      .addColumn("person_id", "text")
      .addColumn("person_email", "text")
      .addColumn("action", "text", (c) => c.notNull())
      .addColumn("outcome", "text", (c) => c.notNull().check(oneOf("outcome", ["done", "refused", "needs_approval"])))
      .addColumn("order_id", "text")
      .addColumn("product_id", "text")
      .addColumn("refund_id", "text")
      .addColumn("target_person_id", "text")
      .addColumn("detail", "text")
      .addColumn("address", "text")
      .execute();
    await db.schema.createIndex("audit_log_person").on("audit_log").columns(["person_id", "id"]).execute();
    await db.schema.createIndex("audit_log_order").on("audit_log").columns(["order_id", "id"]).execute();
    if (isPostgres(db)) {
      await sql`create function audit_log_append_only() returns trigger language plpgsql as $$ begin raise exception 'audit_log is append-only: % refused', tg_op; end $$`.execute(db);
      await sql`create trigger audit_log_no_change before update or delete on audit_log for each row execute function audit_log_append_only()`.execute(db);
      await sql`create trigger audit_log_no_truncate before truncate on audit_log for each statement execute function audit_log_append_only()`.execute(db);
    } else {
      await sql`create trigger audit_log_no_update before update on audit_log begin select raise(abort, 'audit_log is append-only: UPDATE refused'); end`.execute(db);
      await sql`create trigger audit_log_no_delete before delete on audit_log begin select raise(abort, 'audit_log is append-only: DELETE refused'); end`.execute(db);
    }
  },
};

/**
 * Issue 31: the language the shopper placed the order in (mails and the order's pages speak it;
 * "en" for orders from before), and the network PayRam settles a payment on (blockchainSymbol:
 * the page names it beside the deposit address and builds the wallet link for it).
 */
const orderLocale: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable("orders").addColumn("locale", "text", (c) => c.notNull().defaultTo("en")).execute();
    await db.schema.alterTable("payment_attempts").addColumn("network", "text").execute();
  },
};

/**
 * Issue 30: passkeys (WebAuthn) as a second factor beside the authenticator app. A passkey is the
 * credential's id, its public key (COSE, base64url), the signature counter (a counter that goes
 * backwards is refused), the transports the browser named (comma-separated), the person's name
 * for it, and when it was added and last used. A challenge is single-use, expires, and is bound
 * to a person and a purpose, and to a session where there is one (not at sign-in): kept here, not
 * in memory, so that any instance can check the answer.
 */
const passkeys: Migration = {
  async up(db: AnyDb) {
    const t = types(db);
    await db.schema
      .createTable("passkeys")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("person_id", "text", (c) => c.notNull().references("people.id").onDelete("cascade"))
      .addColumn("credential_id", "text", (c) => c.notNull().unique())
      .addColumn("public_key", "text", (c) => c.notNull())
      .addColumn("counter", "bigint", (c) => c.notNull().check(sql`counter >= 0`))
      .addColumn("transports", "text", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("created_at", t.time, (c) => c.notNull())
      .addColumn("last_used_at", t.time)
      .execute();
    await db.schema.createIndex("passkeys_person").on("passkeys").column("person_id").execute();
    await db.schema
      .createTable("webauthn_challenges")
      .addColumn("challenge", "text", (c) => c.primaryKey())
      .addColumn("person_id", "text", (c) => c.notNull().references("people.id").onDelete("cascade"))
      .addColumn("session_id", "text")
      .addColumn("purpose", "text", (c) => c.notNull().check(oneOf("purpose", ["register", "sign-in", "step-up"])))
      .addColumn("expires_at", t.time, (c) => c.notNull())
      .execute();
    await db.schema.createIndex("webauthn_challenges_expiry").on("webauthn_challenges").column("expires_at").execute();
  },
};

/** Every migration, in order. The key is the name recorded in the database: never rename one. */
export const migrations: Record<string, Migration> = {
  "0001_initial": initial,
  "0002_carts": carts,
  "0003_payment_truth": paymentTruth,
  "0004_rate_limits": rateLimits,
  "0005_round_two_safety": roundTwoSafety,
  "0006_order_payment_state": orderPaymentState,
  "0007_payments_per_order": paymentsPerOrder,
  "0008_payment_expiry": paymentExpiry,
  "0009_storms_and_top_ups": stormsAndTopUps,
  "0010_catalog_and_stock": catalogAndStock,
  "0011_mail_and_fulfilment": mailAndFulfilment,
  "0012_refunds": refunds,
  "0013_refund_addresses": refundAddresses,
  "0014_refund_attention": refundAttention,
  "0015_ledger_amounts": ledgerAmounts,
  "0016_refund_life": refundLife,
  "0017_refund_address_pending": refundAddressPending,
  "0018_stock_caps": stockCaps,
  "0019_merchant_stock_release": merchantStockRelease,
  "0020_people": people,
  "0021_audit_log": auditLog,
  "0025_order_locale": orderLocale,
  "0026_passkeys": passkeys,
};
