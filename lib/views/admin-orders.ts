import { csvDocument } from "../rules/csv";
import { sql, type SelectQueryBuilder } from "kysely";
import { z } from "zod";
import type { Db } from "../db";
import { nowIso, type AttemptState, type Database, type AttentionKind, type PaymentAttempt } from "../db/schema";
import { isSyncable, MERCHANT_STATES, PAYMENT_STATE_LABELS, type AttemptOrigin, type MerchantState } from "../rules/states";
import { centsToDecimal } from "../rules/money";
import { describeWebhookAuth } from "../payram/webhook";
import { withoutControlCharacters } from "../rules/text";

/** The merchant's view of orders: what the list, the detail page and the CSV export read. */
export const PAGE_SIZE = 25;

export const orderFilterSchema = z.object({
  state: z.enum(MERCHANT_STATES).optional().catch(undefined),
  // "ship": paid, not cancelled, with a physical line not yet shipped.
  fulfil: z.enum(["ship"]).optional().catch(undefined),
  // Invisible control characters dropped: a NUL would make Postgres refuse the query (a 500).
  q: z.string().transform(withoutControlCharacters).pipe(z.string().trim().max(200)).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).default(1).catch(1),
});
export type OrderFilter = z.output<typeof orderFilterSchema>;

export interface OrderRow {
  id: string;
  number: number;
  email: string;
  totalCents: number;
  createdAt: string;
  paidAt: string | null;
  /** The order's own state and the credits of all its payments (orders.payment_state / received_cents). */
  state: MerchantState;
  receivedCents: number;
  /** Every PayRam reference of the order, oldest first: the checkout's and PayRam's top-ups. */
  referenceIds: string[];
}

function filtered(db: Db, filter: OrderFilter) {
  let query = db.selectFrom("orders");
  if (filter.state) query = query.where("orders.payment_state", "=", filter.state);
  if (filter.fulfil === "ship") query = toShip(query);
  const q = filter.q;
  if (q) {
    const number = /^#?(\d{1,15})$/.exec(q)?.[1];
    query = query.where((eb) =>
      eb.or([
        ...(number ? [eb("orders.number", "=", Number(number))] : []),
        eb(sql`lower(orders.email)`, "like", `%${q.toLowerCase().replace(/[\\%_]/g, "")}%`),
        eb("orders.id", "=", q),
        eb("orders.id", "in", (sub) => sub.selectFrom("payment_attempts").select("order_id").where("reference_id", "=", q)),
      ]),
    );
  }
  return query;
}

/** Orders the merchant still has to ship something of. */
function toShip<O>(query: SelectQueryBuilder<Database, "orders", O>): SelectQueryBuilder<Database, "orders", O> {
  return query
    .where("orders.paid_at", "is not", null)
    .where("orders.cancelled_at", "is", null)
    .where(({ exists, selectFrom }) =>
      exists(selectFrom("order_items").select("order_items.position").whereRef("order_items.order_id", "=", "orders.id").where("order_items.ships", "=", 1).where("order_items.shipped_at", "is", null)),
    );
}

export async function listOrders(db: Db, filter: OrderFilter, limit = PAGE_SIZE): Promise<{ rows: OrderRow[]; total: number }> {
  const base = filtered(db, filter);
  const page = base
    .select([
      "orders.id",
      "orders.number",
      "orders.email",
      "orders.total_cents",
      "orders.created_at",
      "orders.paid_at",
      "orders.payment_state",
      "orders.received_cents",
    ])
    .orderBy("orders.created_at", "desc")
    .orderBy("orders.number", "desc")
    .limit(limit)
    .offset((filter.page - 1) * limit);
  const [rows, count, references] = await Promise.all([
    page.execute(),
    base.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow(),
    // The references of exactly this page's orders: one query, however many each order has.
    db
      .selectFrom("payment_attempts")
      .select(["order_id", "reference_id"])
      .where("reference_id", "is not", null)
      .where("order_id", "in", page.clearSelect().select("orders.id"))
      .orderBy("order_id")
      .orderBy("attempt_number")
      .execute(),
  ]);
  const byOrder = new Map<string, string[]>();
  for (const { order_id, reference_id } of references) byOrder.set(order_id, [...(byOrder.get(order_id) ?? []), reference_id!]);
  return {
    total: Number(count.n),
    rows: rows.map((row) => ({
      id: row.id,
      number: row.number,
      email: row.email,
      totalCents: row.total_cents,
      createdAt: row.created_at,
      paidAt: row.paid_at,
      state: row.payment_state,
      receivedCents: row.received_cents,
      referenceIds: byOrder.get(row.id) ?? [],
    })),
  };
}

/** Orders per merchant state (lib/rules/states.ts) and today's takings. */
export async function orderSummary(db: Db): Promise<{ counts: Partial<Record<MerchantState, number>>; toShip: number; paidTodayCents: number }> {
  const rows = await db
    .selectFrom("orders")
    .select((eb) => ["payment_state", eb.fn.countAll<number>().as("n")])
    .groupBy("payment_state")
    .execute();
  const startOfDay = `${nowIso().slice(0, 10)}T00:00:00.000Z`;
  const paid = await db
    .selectFrom("orders")
    .select((eb) => eb.fn.sum<number>("total_cents").as("sum"))
    .where("paid_at", ">=", startOfDay)
    .executeTakeFirstOrThrow();
  const shipping = await toShip(db.selectFrom("orders")).select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return { counts: Object.fromEntries(rows.map((row) => [row.payment_state, row.n])), toShip: Number(shipping.n), paidTodayCents: paid.sum ?? 0 };
}

/** The filtered list as CSV, money as exact decimal strings. */
export async function ordersCsv(db: Db, filter: OrderFilter): Promise<string> {
  const { rows } = await listOrders(db, { ...filter, page: 1 }, 100_000);
  // payram_references: every PayRam reference of the order, oldest first, separated by spaces.
  const header = ["order", "created_at", "email", "total_usd", "state", "received_usd", "paid_at", "payram_references"];
  return csvDocument(
    header,
    rows.map((row) => [row.number, row.createdAt, row.email, centsToDecimal(row.totalCents), row.state, centsToDecimal(row.receivedCents), row.paidAt, row.referenceIds.join(" ")]),
  );
}

/** One entry of an order's history, newest last. */
export interface TimelineEntry {
  at: string;
  kind: "payment" | "webhook" | "attention" | "resolution" | "fulfilment" | "order" | "refund";
  title: string;
  detail: string | null;
}

/**
 * The order's secret id from its number, as the merchant's mails link it
 * (`/admin/orders/by-number/<number>`): those mails never carry the secret id. Null for no such
 * order, or anything but a plain number.
 */
export async function orderIdByNumber(db: Db, number: string): Promise<string | null> {
  // At most 9 digits: within the column's integer range on Postgres.
  if (!/^[1-9]\d{0,8}$/.test(number)) return null;
  const order = await db.selectFrom("orders").select("id").where("number", "=", Number(number)).executeTakeFirst();
  return order?.id ?? null;
}

export async function orderDetail(db: Db, orderId: string) {
  const order = await db.selectFrom("orders").selectAll().where("id", "=", orderId).executeTakeFirst();
  if (!order) return null;
  const [items, attempts, events, deliveries, attention, fulfilment, refundSteps] = await Promise.all([
    db.selectFrom("order_items").selectAll().where("order_id", "=", orderId).orderBy("position").execute(),
    db.selectFrom("payment_attempts").selectAll().where("order_id", "=", orderId).orderBy("attempt_number").execute(),
    db.selectFrom("payment_events").selectAll().where("order_id", "=", orderId).orderBy("id").execute(),
    db
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where((eb) =>
        eb.or([
          eb("order_id", "=", orderId),
          eb("reference_id", "in", (sub) => sub.selectFrom("payment_attempts").select("reference_id").where("order_id", "=", orderId).where("reference_id", "is not", null)),
        ]),
      )
      .orderBy("id")
      .execute(),
    db.selectFrom("attention_items").selectAll().where("order_id", "=", orderId).orderBy("id").execute(),
    db.selectFrom("fulfilments").selectAll().where("order_id", "=", orderId).executeTakeFirst(),
    db.selectFrom("refund_events").selectAll().where("order_id", "=", orderId).orderBy("id").execute(),
  ]);
  const paymentNumber = new Map(attempts.map((attempt) => [attempt.id, attempt.attempt_number]));
  const timeline: TimelineEntry[] = [
    ...events.map((e) => ({
      at: e.created_at,
      kind: "payment" as const,
      // With several references, which one moved (numbered as in the payments list).
      title: `${attempts.length > 1 ? `Payment ${paymentNumber.get(e.attempt_id) ?? "?"}: ` : ""}${e.from_state ?? "—"} → ${e.to_state} (${e.source})`,
      detail: e.note,
    })),
    ...deliveries.map((d) => ({
      at: d.received_at,
      kind: "webhook" as const,
      title: `Webhook ${d.method} · ${d.verdict}${d.payload_status ? ` · said ${d.payload_status}` : ""}`,
      detail: [d.auth !== "none" ? `authenticated by ${describeWebhookAuth(d.auth)}` : null, d.reason].filter(Boolean).join(" · ") || null,
    })),
    ...attention.flatMap((a) => [
      { at: a.created_at, kind: "attention" as const, title: `Needs attention: ${ATTENTION_LABELS[a.kind]}`, detail: a.detail },
      ...(a.resolved_at ? [{ at: a.resolved_at, kind: "resolution" as const, title: `Resolved: ${ATTENTION_LABELS[a.kind]}`, detail: a.resolution_note }] : []),
    ]),
    ...(fulfilment ? [{ at: fulfilment.created_at, kind: "fulfilment" as const, title: `Paid — queued to ${fulfilment.kind}`, detail: null }] : []),
    ...shipments(items),
    ...(order.cancelled_at ? [{ at: order.cancelled_at, kind: "order" as const, title: "Cancelled by the merchant", detail: null }] : []),
    ...refundSteps.map((step) => ({ at: step.created_at, kind: "refund" as const, title: `Refund: ${step.status}`, detail: step.note })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  return { order, items, attempts, payments: attempts.map(toPaymentView), timeline, attention, fulfilment: fulfilment ?? null };
}

/** One timeline entry per shipment: the lines marked shipped together (same time, carrier and tracking). */
function shipments(items: { name: string; quantity: number; shipped_at: string | null; carrier: string | null; tracking_number: string | null }[]): TimelineEntry[] {
  const byShipment = new Map<string, { at: string; carrier: string; tracking: string; lines: string[] }>();
  for (const item of items) {
    if (!item.shipped_at) continue;
    const key = `${item.shipped_at}|${item.carrier}|${item.tracking_number}`;
    const entry = byShipment.get(key) ?? { at: item.shipped_at, carrier: item.carrier ?? "", tracking: item.tracking_number ?? "", lines: [] };
    entry.lines.push(`${item.name} × ${item.quantity}`);
    byShipment.set(key, entry);
  }
  return [...byShipment.values()].map((s) => ({ at: s.at, kind: "fulfilment" as const, title: `Shipped with ${s.carrier}, tracking ${s.tracking}`, detail: s.lines.join(", ") }));
}

/** One PayRam payment of an order as the merchant reads it: who opened it, its state in words, its money. */
export interface PaymentView {
  /** The attempt's number within the order (1, 2, …). */
  number: number;
  referenceId: string | null;
  origin: AttemptOrigin;
  openedBy: string;
  /** Machine name (for data-state); `stateLabel` is what the merchant reads. */
  state: AttemptState;
  stateLabel: string;
  /** What PayRam asked for (what the shop asked, before PayRam answered). */
  askedCents: number;
  /** What arrived, as PayRam last said; null before any deposit. */
  receivedCents: number | null;
  /** What this payment counts towards the order's total. */
  creditCents: number;
  confirmations: { current: number; required: number } | null;
  /** PayRam's page, while the payment can still take money. */
  paymentUrl: string | null;
  updatedAt: string;
}

export const ORIGIN_LABELS: Record<AttemptOrigin, string> = {
  checkout: "The shop's checkout",
  payram: "PayRam (a top-up)",
};

function toPaymentView(attempt: PaymentAttempt): PaymentView {
  const { confirmations_current: current, confirmations_required: required } = attempt;
  return {
    number: attempt.attempt_number,
    referenceId: attempt.reference_id,
    origin: attempt.origin,
    openedBy: ORIGIN_LABELS[attempt.origin],
    state: attempt.state,
    stateLabel: PAYMENT_STATE_LABELS[attempt.state],
    askedCents: attempt.payram_amount_cents ?? attempt.amount_cents,
    receivedCents: attempt.amount_received_cents,
    creditCents: attempt.credit_cents,
    // PayRam says "0 of n" before any deposit: only a count under way or done is news.
    confirmations: current !== null && required !== null && current > 0 && required > 0 ? { current, required } : null,
    paymentUrl: isSyncable(attempt.state) ? attempt.payment_url : null,
    updatedAt: attempt.updated_at,
  };
}

export const ATTENTION_LABELS: Record<AttentionKind, string> = {
  amount_mismatch: "PayRam amount differs from the order",
  over_filled: "overpaid",
  cancelled_with_funds: "cancelled with funds received",
  start_failed: "payment could not be started",
  partial_stale: "partly paid, no news for a while",
  unknown_state: "PayRam reported a state the shop does not know",
  out_of_stock: "paid, but out of stock",
  mail_failed: "a mail to the shopper could not be sent",
  refund_unanswered: "a refund PayRam has not answered",
  refund_stopped: "a refund the shop no longer sends by itself",
  refund_paid_after_end: "PayRam paid a refund the shop had ended",
};
