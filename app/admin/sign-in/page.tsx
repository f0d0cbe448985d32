import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "./_components/sign-in-form";
import { isSignedIn } from "@/lib/server/auth";
import { noMerchantAccountYet } from "@/lib/server/reads";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: PageProps<"/admin/sign-in">) {
  if (await isSignedIn()) redirect("/admin");
  const { next } = await searchParams;
  return (
    <main id="main" className="mx-auto w-full max-w-sm flex-1 px-4 py-16">
      <h1 className="text-2xl font-semibold">Merchant sign-in</h1>
      <p className="mt-2 text-sm text-ink-muted">Orders, payments and what needs your attention.</p>
      {(await noMerchantAccountYet()) && (
        <p role="alert" className="mt-4 rounded-md border border-amber-200 bg-amber-50 p-3 text-sm">
          This shop has no merchant account yet. On the server, run <code>npm run admin -- create-owner --email you@example.com</code>, or set ADMIN_EMAIL and
          ADMIN_PASSWORD and restart.
        </p>
      )}
      <SignInForm next={typeof next === "string" ? next : ""} />
    </main>
  );
}
