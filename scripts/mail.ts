/**
 * `npm run mail`: sends the mail that is due now, once (for cron, where the server's own sender
 * is not wanted), then exits: 0 when every mail went, 1 when some must be tried again.
 */
import { mailSettingsOf, sendDueMail, smtpTransport } from "../lib/jobs/mail-sender";
import { prepare } from "../lib/jobs/startup";

async function main() {
  const { config, db } = await prepare();
  if (config.mail.smtpUrl === null) {
    console.error("Mail is off: SMTP_URL is not set. Nothing was sent; the outbox keeps it.");
    await db.destroy();
    process.exitCode = 1;
    return;
  }
  const transport = smtpTransport(config.mail.smtpUrl);
  const result = await sendDueMail(db, mailSettingsOf(config), transport);
  transport.close();
  console.log(`Mail: ${result.sent} sent, ${result.retried} to try again later, ${result.gaveUp} given up.`);
  await db.destroy();
  process.exitCode = result.retried > 0 ? 1 : 0;
}

void main();
