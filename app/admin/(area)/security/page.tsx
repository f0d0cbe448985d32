import type { Metadata } from "next";
import { DataTable } from "@/components/admin/data-table";
import { PeopleActionForm } from "@/components/admin/people-action-form";
import { SessionsTable } from "@/components/admin/sessions-table";
import { removePasskeyAction } from "@/lib/actions/passkeys";
import { endAllSessionsAction, requireSecondFactorAction } from "@/lib/actions/people";
import { requireMerchantPage, stepUpIsFresh } from "@/lib/server/auth";
import { merchantSessions, passkeysOf, recoveryCodesLeftOf, shopRequiresSecondFactor } from "@/lib/server/reads";
import { formatUtc } from "@/lib/rules/format";
import { can, hasSecondFactor, ROLE_LABELS } from "@/lib/rules/roles";
import { AddPasskey } from "./_components/passkeys";
import { SecondFactorSetup } from "./_components/second-factor";

export const metadata: Metadata = { title: "Security" };

const PASSKEY_COLUMNS = [{ label: "Passkey" }, { label: "Added" }, { label: "Last used" }, { label: "" }];

/** Each person's own security: the second factor (authenticator app, recovery codes, passkeys) and their sessions. The owner also sets the shop's rule. */
export default async function SecurityPage({ searchParams }: PageProps<"/admin/security">) {
  const merchant = await requireMerchantPage("account.own", { enrolling: true });
  const { required } = await searchParams;
  const { person } = merchant;
  const enrolled = hasSecondFactor(merchant.secondFactor);
  const app = merchant.secondFactor.app;
  const codeNeeded = !stepUpIsFresh(merchant);
  const [sessions, requires, left, passkeys] = await Promise.all([merchantSessions(person.id), shopRequiresSecondFactor(), app ? recoveryCodesLeftOf(person.id) : Promise.resolve(0), passkeysOf(person.id)]);
  return (
    <div className="space-y-8">
      <div>
        <h1 className="text-3xl font-semibold tracking-tight">Security</h1>
        <p className="text-sm text-ink-muted">
          Signed in as {person.email} ({ROLE_LABELS[person.role]}).
        </p>
      </div>
      {required && !enrolled && (
        <p role="alert" className="rounded-md border border-amber-200 bg-amber-50 p-3">
          The shop requires a second factor: set one up to continue.
        </p>
      )}
      <section aria-labelledby="second-factor" className="space-y-3 rounded-xl border border-paper-line bg-paper p-6">
        <h2 id="second-factor" className="text-lg font-semibold">
          Second factor
        </h2>
        <p data-testid="second-factor-state">
          {enrolled
            ? `On (${[app && "authenticator app", passkeys.length > 0 && `${passkeys.length} passkey${passkeys.length === 1 ? "" : "s"}`].filter(Boolean).join(", ")}).${app ? ` ${left} recovery code${left === 1 ? "" : "s"} left.` : ""}`
            : "Off. Sending or approving a refund, cancelling a paid order and changing a role need it: an authenticator app or a passkey."}
        </p>
        <SecondFactorSetup enrolled={app} codeNeeded={enrolled && codeNeeded} />
      </section>
      <section aria-labelledby="passkeys" className="space-y-3 rounded-xl border border-paper-line bg-paper p-6">
        <h2 id="passkeys" className="text-lg font-semibold">
          Passkeys
        </h2>
        <p className="text-sm text-ink-muted">
          A passkey (this device&apos;s fingerprint, face or PIN, your phone, or a security key) works as your second factor, as the app&apos;s code does: after your password at sign-in,
          and to confirm money actions. Add two, on different devices, or keep the authenticator app too: a lost one is then no lockout.
        </p>
        <DataTable look="inset" columns={PASSKEY_COLUMNS} rows={passkeys} empty="No passkey yet." testId="passkeys">
          {(passkey) => (
            <tr key={passkey.id} data-name={passkey.name}>
              <td className="py-2 pr-4">{passkey.name}</td>
              <td className="py-2 pr-4 tabular-nums">{formatUtc(passkey.createdAt)}</td>
              <td className="py-2 pr-4 tabular-nums">{passkey.lastUsedAt ? formatUtc(passkey.lastUsedAt) : "never"}</td>
              <td className="py-2">
                <PeopleActionForm command={removePasskeyAction} hidden={{ passkeyId: passkey.id }} stepUp codeNeeded={codeNeeded} idPrefix={`remove-${passkey.id}`} confirm={`Remove the passkey “${passkey.name}”? It stops working here at once.`}>
                  <button type="submit" className="text-sm underline">
                    Remove
                  </button>
                </PeopleActionForm>
              </td>
            </tr>
          )}
        </DataTable>
        <AddPasskey codeNeeded={enrolled && codeNeeded} />
      </section>
      {can(person.role, "security.manage") && (
        <section aria-labelledby="shop-rule" className="space-y-3 rounded-xl border border-paper-line bg-paper p-6">
          <h2 id="shop-rule" className="text-lg font-semibold">
            The shop&apos;s rule
          </h2>
          <p>{requires ? "Everyone needs a second factor to use the merchant area." : "A second factor is optional, except for money actions."}</p>
          <PeopleActionForm command={requireSecondFactorAction} hidden={{ required: requires ? "0" : "1" }} idPrefix="require">
            <button type="submit" className="rounded-md border border-ink px-3 py-1.5 text-sm font-medium">
              {requires ? "Make it optional" : "Require a second factor for everyone"}
            </button>
          </PeopleActionForm>
        </section>
      )}
      <section aria-labelledby="sessions" className="space-y-3">
        <h2 id="sessions" className="text-lg font-semibold">
          Your sessions
        </h2>
        <SessionsTable sessions={sessions} testId="sessions" current={merchant.id} />
        <PeopleActionForm command={endAllSessionsAction} hidden={{ personId: person.id }} idPrefix="end-all">
          <button type="submit" className="rounded-md border border-ink px-3 py-1.5 text-sm font-medium">
            End all my other sessions
          </button>
        </PeopleActionForm>
      </section>
    </div>
  );
}
