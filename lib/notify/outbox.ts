import { createHash } from "node:crypto";
import type { Kysely } from "kysely";
import { nowIso, type Database } from "../db/schema";
import type { MailPayload } from "./templates";

/** The merchant's mails are addressed to this, and sent to MERCHANT_EMAIL (read when sent). */
export const MERCHANT = "merchant";

/**
 * Queues a mail in the caller's transaction, so that it exists exactly when its event does. The
 * key is unique: a replayed webhook, a duplicate delivery or a second instance queuing the same
 * mail finds it there and queues nothing. Returns whether it queued one.
 */
export async function queueMail(trx: Kysely<Database>, mail: { key: string; to: string; orderId: string | null; payload: MailPayload }): Promise<boolean> {
  const now = nowIso();
  const result = await trx
    .insertInto("outbox")
    .values({
      key: mail.key,
      kind: mail.payload.kind,
      order_id: mail.orderId,
      recipient: mail.to,
      payload: JSON.stringify(mail.payload),
      message_id: messageIdLocalPart(mail.key),
      created_at: now,
      next_try_at: now,
      lease_until: null,
      sent_at: null,
      gave_up_at: null,
      last_error: null,
    })
    .onConflict((oc) => oc.column("key").doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/**
 * The left part of the mail's Message-ID (the sender adds MAIL_FROM's domain), from the key alone:
 * a mail sent twice — a crash between SMTP's acceptance and the "sent" mark — is one message to
 * the reader's mail client.
 */
function messageIdLocalPart(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 32);
}

export interface MailStatus {
  id: number;
  kind: Database["outbox"]["kind"];
  toMerchant: boolean;
  createdAt: string;
  sentAt: string | null;
  gaveUpAt: string | null;
  tries: number;
  lastError: string | null;
}

/** An order's mails and where each stands, for the merchant's order page. */
export async function orderMails(db: Kysely<Database>, orderId: string): Promise<MailStatus[]> {
  const rows = await db
    .selectFrom("outbox")
    .select(["id", "kind", "recipient", "created_at", "sent_at", "gave_up_at", "tries", "last_error"])
    .where("order_id", "=", orderId)
    .orderBy("id")
    .execute();
  return rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    toMerchant: row.recipient === MERCHANT,
    createdAt: row.created_at,
    sentAt: row.sent_at,
    gaveUpAt: row.gave_up_at,
    tries: row.tries,
    lastError: row.last_error,
  }));
}

/** Mail waiting to be sent (the merchant area says how many while mail is off). */
export async function unsentMailCount(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom("outbox")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("sent_at", "is", null)
    .where("gave_up_at", "is", null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * A mail's payload once it is sent or given up, without its one-time secret: the refund address
 * confirmation token then lives only in the shopper's mailbox (the database keeps its hash).
 */
export function withoutSecrets(payload: string): string {
  const parsed = JSON.parse(payload) as MailPayload;
  return parsed.kind === "confirm_refund_address" ? JSON.stringify({ ...parsed, confirmToken: "" }) : payload;
}
