import nodemailer, { type Transporter } from "nodemailer";
import type { Config } from "../config";
import { isPostgres, type Db } from "../db";
import { nowIso } from "../db/schema";
import { errorMessage, log } from "../log";
import { raiseAttention } from "../notify/attention";
import { MAIL_LABELS } from "../rules/mail";
import { MERCHANT, withoutSecrets } from "../notify/outbox";
import { renderMail, type MailPayload } from "../notify/templates";

/**
 * The sender loop: claims due mail from the outbox, sends it over SMTP, and marks it sent, or
 * retries it with backoff, or after MAX_TRIES gives up and puts it before the merchant. It runs in
 * the server (like the sweep) and as `npm run mail` (cron). SMTP being down never touches a
 * checkout or a webhook: they only write outbox rows.
 *
 * Sent at most… twice: a crash between SMTP's acceptance and the "sent" mark sends the mail again
 * when its lease ends. Its Message-ID comes from the outbox key, so the reader's mail client shows
 * one message.
 */

export function mailSettingsOf(config: Config): MailSettings {
  return { shopName: config.mail.shopName, baseUrl: config.appBaseUrl, from: config.mail.from, merchantEmail: config.mail.merchantEmail };
}

/** How often the server's sender looks for due mail. */
export const MAIL_INTERVAL_MS = 5_000;

export interface MailSettings {
  shopName: string;
  /** APP_BASE_URL. */
  baseUrl: string;
  from: string;
  merchantEmail: string | null;
}

/** nodemailer's own socket timeout is 10 minutes: an SMTP server that stalls gives up far sooner here. */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };
/** A claimed mail is the claimer's for this long: longer than one SMTP conversation may take (the timeouts above). */
export const MAIL_LEASE_MS = 2 * 60_000;
/** After this many failed tries a mail is given up and shown under "Needs attention". */
export const MAX_MAIL_TRIES = 8;
const BATCH = 20;

export function smtpTransport(smtpUrl: string): Transporter {
  return nodemailer.createTransport(smtpUrl, SMTP_TIMEOUTS);
}

/** 1 min, 2, 4, … up to 6 h between tries. */
export function mailBackoffMs(tries: number): number {
  return Math.min(6 * 60 * 60_000, 60_000 * 2 ** Math.max(0, tries - 1));
}

export interface SendResult {
  sent: number;
  retried: number;
  gaveUp: number;
}

/** Sends every mail due now, a batch at a time, until none is left. */
export async function sendDueMail(db: Db, settings: MailSettings, transport: Transporter, options: { stopped?: () => boolean } = {}): Promise<SendResult> {
  const result: SendResult = { sent: 0, retried: 0, gaveUp: 0 };
  for (;;) {
    const claimed = await claimDue(db);
    for (const mail of claimed) {
      const outcome = await sendOne(db, settings, transport, mail);
      if (outcome !== "skipped") result[outcome]++;
    }
    if (claimed.length < BATCH || options.stopped?.()) return result;
  }
}

type Claimed = Awaited<ReturnType<typeof claimDue>>[number];

/** Due mail, each claimed with a lease (SKIP LOCKED on Postgres: two senders never take the same one). */
async function claimDue(db: Db) {
  const now = nowIso();
  const leaseUntil = new Date(Date.now() + MAIL_LEASE_MS).toISOString();
  return db
    .updateTable("outbox")
    .set((eb) => ({ lease_until: leaseUntil, tries: eb("tries", "+", 1) }))
    .where("id", "in", (eb) =>
      eb
        .selectFrom("outbox")
        .select("id")
        .where("sent_at", "is", null)
        .where("gave_up_at", "is", null)
        .where("next_try_at", "<=", now)
        .where((w) => w.or([w("lease_until", "is", null), w("lease_until", "<", now)]))
        .orderBy("id")
        .limit(BATCH)
        .$if(isPostgres(db), (qb) => qb.forUpdate().skipLocked()),
    )
    .returning(["id", "key", "kind", "order_id", "recipient", "payload", "message_id", "tries", "lease_until"])
    .execute();
}

async function sendOne(db: Db, settings: MailSettings, transport: Transporter, claimed: Claimed): Promise<keyof SendResult | "skipped"> {
  // The batch's lease was taken before the mails ahead of this one were sent: taken again for
  // this mail alone, only if it is still ours (a slow SMTP server may have let it pass to another
  // sender, which then sends it; this one must not).
  const mail = { ...claimed, lease_until: new Date(Date.now() + MAIL_LEASE_MS).toISOString() };
  const renewed = await db.updateTable("outbox").set({ lease_until: mail.lease_until }).where("id", "=", mail.id).where("lease_until", "=", claimed.lease_until).where("sent_at", "is", null).executeTakeFirst();
  if (Number(renewed.numUpdatedRows) === 0) return "skipped";
  const to = mail.recipient === MERCHANT ? settings.merchantEmail : mail.recipient;
  if (to === null) {
    // A merchant alert with no MERCHANT_EMAIL: nobody to tell; kept as given up, not retried.
    await finish(db, mail, { gave_up_at: nowIso(), last_error: "MERCHANT_EMAIL is not set" });
    return "gaveUp";
  }
  // The shopper's mails speak the order's language; the merchant's stay English.
  const locale = mail.recipient !== MERCHANT && mail.order_id ? (await db.selectFrom("orders").select("locale").where("id", "=", mail.order_id).executeTakeFirst())?.locale : undefined;
  const rendered = renderMail(JSON.parse(mail.payload) as MailPayload, { shopName: settings.shopName, baseUrl: settings.baseUrl, locale });
  try {
    await transport.sendMail({
      from: settings.from,
      to,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      messageId: `<${mail.message_id}@${domainOf(settings.from)}>`,
      headers: { "Auto-Submitted": "auto-generated" },
    });
  } catch (error) {
    const reason = smtpFailure(error);
    if (mail.tries >= MAX_MAIL_TRIES) {
      await giveUp(db, mail, reason);
      log.error({ event: "mail", id: mail.id, kind: mail.kind, tries: mail.tries, err: withoutAddresses(reason) }, "a mail could not be sent after every try: given up");
      return "gaveUp";
    }
    await finish(db, mail, { next_try_at: new Date(Date.now() + mailBackoffMs(mail.tries)).toISOString(), last_error: reason });
    log.warn({ event: "mail", id: mail.id, kind: mail.kind, tries: mail.tries, err: withoutAddresses(reason) }, "a mail could not be sent: trying again later");
    return "retried";
  }
  await finish(db, mail, { sent_at: nowIso(), last_error: null, payload: withoutSecrets(mail.payload) });
  // The recipient stays out of the logs.
  log.info({ event: "mail", id: mail.id, kind: mail.kind }, "mail sent");
  return "sent";
}

/** Ends a claim: only the claim that is still ours (a lease that ran out may have passed to another sender). */
async function finish(db: Db, mail: Claimed, set: { sent_at?: string; gave_up_at?: string; next_try_at?: string; last_error: string | null; payload?: string }) {
  await db.updateTable("outbox").set({ ...set, lease_until: null }).where("id", "=", mail.id).where("lease_until", "=", mail.lease_until).execute();
}

/** The last try failed: given up, and a shopper's mail about an order is put before the merchant. */
async function giveUp(db: Db, mail: Claimed, reason: string) {
  const now = nowIso();
  await db.transaction().execute(async (trx) => {
    await finish(trx, mail, { gave_up_at: now, last_error: reason, payload: withoutSecrets(mail.payload) });
    if (mail.recipient === MERCHANT || mail.order_id === null) return;
    const attempt = await trx.selectFrom("payment_attempts").select("id").where("order_id", "=", mail.order_id).orderBy("attempt_number", "desc").limit(1).executeTakeFirst();
    if (!attempt) return;
    await raiseAttention(trx, {
      order_id: mail.order_id,
      attempt_id: attempt.id,
      kind: "mail_failed",
      detail: `The "${MAIL_LABELS[mail.kind]}" mail could not be sent after ${mail.tries} tries (${reason}). Reach the shopper another way.`,
      order_key: `mail_failed:${mail.key}`,
      created_at: now,
    });
  });
}


/** SMTP's answer, without anything that could carry a credential. */
function smtpFailure(error: unknown): string {
  const code = (error as { responseCode?: number; code?: string }).responseCode ?? (error as { code?: string }).code;
  const message = errorMessage(error).replace(/\w+:\/\/[^\s]*/g, "<url>").slice(0, 200);
  return code ? `${code}: ${message}` : message;
}

/** SMTP servers echo the recipient in their refusals ("550 <bob@example.com>: …"): no address reaches the log. */
export function withoutAddresses(text: string): string {
  return text.replace(/[^\s<>"'@]+@[^\s<>"']+/g, "<address>");
}

function domainOf(from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  return address.slice(address.lastIndexOf("@") + 1) || "localhost";
}

/** The sender loop in the server: one run at a time, every `intervalMs`. */
export function startMailSchedule(db: Db, settings: MailSettings, smtpUrl: string, intervalMs: number): { stop(): Promise<void> } {
  const transport = smtpTransport(smtpUrl);
  let running: Promise<void> | null = null;
  let stopped = false;
  const timer = setInterval(() => {
    if (running) return;
    running = sendDueMail(db, settings, transport, { stopped: () => stopped })
      .then(() => {})
      .catch((error: unknown) => log.error({ event: "mail", err: errorMessage(error) }, "the mail sender failed"))
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      transport.close();
    },
  };
}
