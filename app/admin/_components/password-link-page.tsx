import { ResetRequestForm } from "./reset-request-form";
import { SetPasswordForm } from "./set-password-form";

type LinkKind = "invite" | "reset";

/** Each mailed link's page: its title, its words above the form, and what it says when the link no longer works. */
const PAGES: Record<LinkKind, { title: string; intro: (person: { email: string; role: string }) => string; expired: string }> = {
  invite: {
    title: "Join the merchant area",
    intro: (person) => `You were invited as ${person.role}: choose your password for ${person.email}.`,
    expired: "This link has expired or was used already. Ask the shop's owner for a new invitation.",
  },
  reset: {
    title: "Set a new password",
    intro: (person) => `For ${person.email}.`,
    expired: "This link has expired or was used already. Ask for a new one on the sign-in page.",
  },
};

export const linkPageTitle = (kind: LinkKind): string => PAGES[kind].title;

/**
 * The page a mailed link opens (an invitation's, a password reset's; no session needed: proxy.ts
 * lets it through): the password form for the person the link names (`token`: the link's, "" for
 * none). The reset page without a link asks for one to be mailed; a link that names nobody (any
 * more) says so.
 */
export function PasswordLinkPage({ kind, token, person }: { kind: LinkKind; token: string; person: { email: string; role: string } | null }) {
  const page = PAGES[kind];
  return (
    <main id="main" className="mx-auto w-full max-w-sm flex-1 px-4 py-16">
      <h1 className="text-2xl font-semibold">{page.title}</h1>
      {person ? (
        <>
          <p className="mt-2 text-sm text-ink-muted">{page.intro(person)}</p>
          <SetPasswordForm token={token} kind={kind} />
        </>
      ) : kind === "reset" && token === "" ? (
        <>
          <p className="mt-2 text-sm text-ink-muted">We mail you a link that sets a new password.</p>
          <ResetRequestForm />
        </>
      ) : (
        <p role="alert" className="mt-4">
          {page.expired}
        </p>
      )}
    </main>
  );
}
