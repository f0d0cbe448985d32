import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "./_components/sign-in-form";
import { isSignedIn } from "@/lib/server/auth";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: PageProps<"/admin/sign-in">) {
  if (await isSignedIn()) redirect("/admin");
  const { next } = await searchParams;
  return (
    <main id="main" className="mx-auto w-full max-w-sm flex-1 px-4 py-16">
      <h1 className="text-2xl font-semibold">Merchant sign-in</h1>
      <p className="mt-2 text-sm text-ink-muted">Orders, payments and what needs your attention.</p>
      <SignInForm next={typeof next === "string" ? next : ""} />
    </main>
  );
}
