import { endSessionAction } from "@/lib/actions/people";
import { formatUtc } from "@/lib/rules/format";
import { DataTable } from "./data-table";
import { PeopleActionForm } from "./people-action-form";

/** What the table shows of a session (lib/auth/session-store's listing has these). */
interface Session {
  id: string;
  email: string | null;
  userAgent: string | null;
  address: string | null;
  createdAt: string;
  lastSeenAt: string | null;
}

/**
 * Open merchant sessions, each with "End": one person's own (Security, `current` marks the one in
 * use) or everyone's (People, with whose each is).
 */
export function SessionsTable({ sessions, testId, current, withPerson = false }: { sessions: Session[]; testId: string; current?: string; withPerson?: boolean }) {
  const columns = [...(withPerson ? [{ label: "Person" }] : []), { label: "Browser" }, { label: "Address" }, { label: "Signed in" }, { label: "Last seen" }, { label: "" }];
  return (
    <DataTable columns={columns} rows={sessions} testId={testId}>
      {(session) => (
        <tr key={session.id}>
          {withPerson && <td className="px-4 py-2 text-sm">{session.email}</td>}
          <td className="px-4 py-2 text-sm">
            {session.userAgent ?? "unknown"}
            {session.id === current && <strong> (this one)</strong>}
          </td>
          <td className="px-4 py-2 text-sm">{session.address ?? "—"}</td>
          <td className="px-4 py-2 text-sm tabular-nums">{formatUtc(session.createdAt)}</td>
          <td className="px-4 py-2 text-sm tabular-nums">{session.lastSeenAt ? formatUtc(session.lastSeenAt) : "—"}</td>
          <td className="px-4 py-2">
            <PeopleActionForm command={endSessionAction} hidden={{ sessionId: session.id }} idPrefix={`end-${session.id}`}>
              <button type="submit" className="text-sm underline">
                End
              </button>
            </PeopleActionForm>
          </td>
        </tr>
      )}
    </DataTable>
  );
}
