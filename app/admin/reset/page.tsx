import type { Metadata } from "next";
import { SetPasswordForm } from "../_components/set-password-form";
import { ResetRequestForm } from "../_components/reset-request-form";
import { personOfLink } from "@/lib/server/reads";

export const metadata: Metadata = { title: "Set a new password" };

/** The page a mailed link opens (no session needed: proxy.ts lets it through). */
export default async function Page({ searchParams }: PageProps<"/admin/reset">) {
  const { token } = await searchParams;
  const given = typeof token === "string" ? token : "";
  const person = given ? await personOfLink(given, "reset") : null;
  return (
    <main id="main" className="mx-auto w-full max-w-sm flex-1 px-4 py-16">
      <h1 className="text-2xl font-semibold">Set a new password</h1>
      {person ? (
        <>
          <p className="mt-2 text-sm text-ink-muted">For {person.email}.</p>
          <SetPasswordForm token={given} kind="reset" />
        </>
      ) : given === "" ? (
        <>
          <p className="mt-2 text-sm text-ink-muted">We mail you a link that sets a new password.</p>
          <ResetRequestForm />
        </>
      ) : (
        <p role="alert" className="mt-4">
          This link has expired or was used already. Ask for a new one on the sign-in page.
        </p>
      )}
    </main>
  );
}
