import { Panel } from "@/components/panel";
import { formatUtc } from "@/lib/rules/format";
import { MAIL_LABELS } from "@/lib/rules/mail";
import type { MailStatus } from "@/lib/notify/outbox";

/** The order's mails: what was sent, what waits (and why), what was given up. */
export function OrderMails({ mails, mailOff }: { mails: MailStatus[]; mailOff: boolean }) {
  return (
    <Panel id="mails" title="Mails">
      {mailOff && <p className="mt-2 text-sm text-warn">Mail is off (SMTP_URL is not set): these wait in the outbox and go once it is set.</p>}
      {mails.length === 0 ? (
        <p className="mt-2 text-sm text-ink-muted">No mail for this order (orders placed before mail existed get none).</p>
      ) : (
        <ul className="mt-3 space-y-2 text-sm" data-testid="order-mails">
          {mails.map((mail) => (
            <li key={mail.id} data-kind={mail.kind}>
              <span className="font-medium">{MAIL_LABELS[mail.kind]}</span> · to {mail.toMerchant ? "you" : "the shopper"} ·{" "}
              {mail.sentAt
                ? `sent ${formatUtc(mail.sentAt)}`
                : mail.gaveUpAt
                  ? `given up after ${mail.tries} tries: ${mail.lastError ?? "unknown error"}`
                  : `waiting${mail.tries > 0 ? ` (${mail.tries} ${mail.tries === 1 ? "try" : "tries"} so far${mail.lastError ? `: ${mail.lastError}` : ""})` : ""}`}
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}
