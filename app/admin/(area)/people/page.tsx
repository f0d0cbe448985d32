import type { Metadata } from "next";
import { DataTable } from "@/components/admin/data-table";
import { PeopleActionForm } from "@/components/admin/people-action-form";
import { SessionsTable } from "@/components/admin/sessions-table";
import { Options } from "@/components/field";
import { changeRoleAction, endAllSessionsAction, reinviteAction, resetSecondFactorAction, setDisabledAction } from "@/lib/actions/people";
import { requireMerchantPage, stepUpIsFresh } from "@/lib/server/auth";
import { merchantPeople, merchantSessions } from "@/lib/server/reads";
import { formatUtc } from "@/lib/rules/format";
import { ROLE_LABELS, ROLES } from "@/lib/rules/roles";
import { InviteForm } from "./_components/invite-form";

export const metadata: Metadata = { title: "People" };

const PEOPLE_COLUMNS = [{ label: "Person" }, { label: "Role" }, { label: "State" }, { label: "Actions" }];

/** The owner's page: the team, their roles, invitations, and everyone's sessions. */
export default async function PeoplePage() {
  const merchant = await requireMerchantPage("people.manage");
  const [people, sessions] = await Promise.all([merchantPeople(), merchantSessions(null)]);
  const codeNeeded = !stepUpIsFresh(merchant);
  return (
    <div className="space-y-8">
      <h1 className="text-3xl font-semibold tracking-tight">People</h1>
      <section aria-labelledby="invite" className="space-y-3 rounded-xl border border-paper-line bg-paper p-6">
        <h2 id="invite" className="text-lg font-semibold">
          Invite someone
        </h2>
        <p className="text-sm text-ink-muted">Owner: everything, people and security. Manager: orders, refunds, cancellations, catalog. Staff: orders (read), shipping, catalog; refunds only on request.</p>
        <InviteForm />
      </section>
      <DataTable caption="People" columns={PEOPLE_COLUMNS} rows={people} testId="people">
        {(person) => (
          <tr key={person.id} data-email={person.email}>
            <td className="px-4 py-2">
              {person.email}
              {person.id === merchant.person.id && " (you)"}
            </td>
            <td className="px-4 py-2">{ROLE_LABELS[person.role]}</td>
            <td className="px-4 py-2 text-sm">
              {person.disabled_at ? `disabled ${formatUtc(person.disabled_at)}` : person.password_hash === null ? "invited, not accepted yet" : "active"}
              {person.totp_secret || person.passkeys > 0 ? ` · second factor on (${[person.totp_secret && "app", person.passkeys > 0 && `${person.passkeys} passkey${person.passkeys === 1 ? "" : "s"}`].filter(Boolean).join(", ")})` : " · no second factor"}
            </td>
            <td className="space-y-2 px-4 py-2">
              {person.id !== merchant.person.id && (
                <>
                  <PeopleActionForm command={changeRoleAction} hidden={{ personId: person.id }} stepUp codeNeeded={codeNeeded} idPrefix={`role-${person.id}`}>
                    <label htmlFor={`role-${person.id}-select`} className="sr-only">
                      Role of {person.email}
                    </label>
                    <select id={`role-${person.id}-select`} name="role" defaultValue={person.role} className="rounded-md border border-paper-line px-2 py-1 text-sm">
                      <Options values={ROLES} labels={ROLE_LABELS} />
                    </select>
                    <button type="submit" className="rounded-md border border-ink px-2 py-1 text-sm">
                      Change role
                    </button>
                  </PeopleActionForm>
                  <PeopleActionForm command={setDisabledAction} hidden={{ personId: person.id, disabled: person.disabled_at ? "0" : "1" }} idPrefix={`disable-${person.id}`}>
                    <button type="submit" className="rounded-md border border-bad px-2 py-1 text-sm text-bad">
                      {person.disabled_at ? "Enable" : "Disable"}
                    </button>
                  </PeopleActionForm>
                  {(person.totp_secret || person.passkeys > 0) && (
                    <PeopleActionForm command={resetSecondFactorAction} hidden={{ personId: person.id }} stepUp codeNeeded={codeNeeded} idPrefix={`reset-${person.id}`} confirm={`Turn off ${person.email}'s second factor (authenticator app and passkeys)? Do it only when you know it is them (a lost phone or key).`}>
                      <button type="submit" className="rounded-md border border-paper-line px-2 py-1 text-sm">
                        Reset second factor
                      </button>
                    </PeopleActionForm>
                  )}
                  {person.password_hash === null && !person.disabled_at && (
                    <PeopleActionForm command={reinviteAction} hidden={{ personId: person.id }} idPrefix={`reinvite-${person.id}`}>
                      <button type="submit" className="rounded-md border border-paper-line px-2 py-1 text-sm">
                        Mail the invitation again
                      </button>
                    </PeopleActionForm>
                  )}
                  <PeopleActionForm command={endAllSessionsAction} hidden={{ personId: person.id }} idPrefix={`end-all-${person.id}`}>
                    <button type="submit" className="rounded-md border border-paper-line px-2 py-1 text-sm">
                      End their sessions
                    </button>
                  </PeopleActionForm>
                </>
              )}
            </td>
          </tr>
        )}
      </DataTable>
      <section aria-labelledby="all-sessions" className="space-y-3">
        <h2 id="all-sessions" className="text-lg font-semibold">
          Everyone&apos;s sessions
        </h2>
        <SessionsTable sessions={sessions} testId="all-sessions" current={merchant.id} withPerson />
      </section>
    </div>
  );
}
