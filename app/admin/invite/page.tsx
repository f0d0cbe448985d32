import type { Metadata } from "next";
import { SetPasswordForm } from "../_components/set-password-form";

import { personOfLink } from "@/lib/server/reads";

export const metadata: Metadata = { title: "Join the merchant area" };

/** The page a mailed link opens (no session needed: proxy.ts lets it through). */
export default async function Page({ searchParams }: PageProps<"/admin/invite">) {
  const { token } = await searchParams;
  const given = typeof token === "string" ? token : "";
  const person = given ? await personOfLink(given, "invite") : null;
  return (
    <main id="main" className="mx-auto w-full max-w-sm flex-1 px-4 py-16">
      <h1 className="text-2xl font-semibold">Join the merchant area</h1>
      {person ? (
        <>
          <p className="mt-2 text-sm text-ink-muted">You were invited as {person.role}: choose your password for {person.email}.</p>
          <SetPasswordForm token={given} kind="invite" />
        </>
      ) :  (
        <p role="alert" className="mt-4">
          This link has expired or was used already. Ask the shop&apos;s owner for a new invitation.
        </p>
      )}
    </main>
  );
}
