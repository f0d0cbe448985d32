import type { Selectable } from "kysely";
import { z } from "zod";
import type { Db } from "../db";
import { nowIso, type AuditLogTable } from "../db/schema";
import { csvDocument } from "../rules/csv";
import type { AuditOutcome } from "../rules/roles";

/**
 * The audit log (issue 30): one row per merchant action and sign-in, appended and never changed.
 * This module only inserts and reads; the database refuses UPDATE and DELETE on the table (a
 * trigger, migration 0021), and retention (lib/jobs/retention.ts) leaves it alone: kept for good,
 * well past the year the issue asks.
 */
export type AuditRow = Selectable<AuditLogTable>;

export interface AuditEntry {
  /** Who: null for a sign-in that named nobody known. */
  person: { id: string; email: string } | null;
  /** What, e.g. "refund.send", "sign-in", "person.role". */
  action: string;
  outcome: AuditOutcome;
  orderId?: string | null;
  productId?: string | null;
  refundId?: string | null;
  targetPersonId?: string | null;
  /** Before -> after where it applies, or what was asked. */
  detail?: string | null;
  /** The client's address (lib/security/rate-limit.ts clientAddress). */
  address: string | null;
}

export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db
    .insertInto("audit_log")
    .values({
      at: nowIso(),
      person_id: entry.person?.id ?? null,
      person_email: entry.person?.email ?? null,
      action: entry.action,
      outcome: entry.outcome,
      order_id: entry.orderId ?? null,
      product_id: entry.productId ?? null,
      refund_id: entry.refundId ?? null,
      target_person_id: entry.targetPersonId ?? null,
      detail: entry.detail?.slice(0, 2000) ?? null,
      address: entry.address,
    })
    .execute();
}

export const auditFilterSchema = z.object({
  person: z.string().trim().max(254).optional().catch(undefined),
  kind: z.string().trim().max(60).optional().catch(undefined),
  order: z.string().trim().max(80).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
export type AuditFilter = z.output<typeof auditFilterSchema>;

const PAGE_SIZE = 50;

/** Newest first, filtered by person (email), kind (the action's first word, or the whole action) and order (id or number). */
export async function listAudit(db: Db, filter: AuditFilter, pageSize = PAGE_SIZE): Promise<{ rows: AuditRow[]; more: boolean }> {
  let orderId: string | null | undefined;
  if (filter.order) {
    const byNumber = /^\d{1,12}$/.test(filter.order) ? await db.selectFrom("orders").select("id").where("number", "=", Number(filter.order)).executeTakeFirst() : undefined;
    orderId = byNumber?.id ?? filter.order;
  }
  const rows = await db
    .selectFrom("audit_log")
    .selectAll()
    .$if(Boolean(filter.person), (qb) => qb.where("person_email", "=", filter.person!.toLowerCase()))
    .$if(Boolean(filter.kind), (qb) => qb.where((eb) => eb.or([eb("action", "=", filter.kind!), eb("action", "like", `${filter.kind!.replace(/[%_\\]/g, "")}.%`)])))
    .$if(orderId !== undefined, (qb) => qb.where("order_id", "=", orderId!))
    .orderBy("id", "desc")
    .limit(pageSize + 1)
    .offset((filter.page - 1) * pageSize)
    .execute();
  return { rows: rows.slice(0, pageSize), more: rows.length > pageSize };
}

/** The filtered log as CSV (every matching row, newest first). */
export async function auditCsv(db: Db, filter: AuditFilter): Promise<string> {
  const { rows } = await listAudit(db, { ...filter, page: 1 }, 100_000);
  return csvDocument(
    ["at", "person", "action", "outcome", "order", "product", "refund", "target_person", "detail", "address"],
    rows.map((row) => [row.at, row.person_email, row.action, row.outcome, row.order_id, row.product_id, row.refund_id, row.target_person_id, row.detail, row.address]),
  );
}

/** The kinds of action the log holds, for the filter's choices. */
export async function auditKinds(db: Db): Promise<string[]> {
  const rows = await db.selectFrom("audit_log").select("action").distinct().orderBy("action").execute();
  return rows.map((row) => row.action);
}
