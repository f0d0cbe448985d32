import type { Metadata } from "next";
import { linkPageTitle, PasswordLinkPage } from "../_components/password-link-page";
import { personOfLink } from "@/lib/server/reads";

export const metadata: Metadata = { title: linkPageTitle("invite") };

export default async function Page({ searchParams }: PageProps<"/admin/invite">) {
  const { token } = await searchParams;
  const given = typeof token === "string" ? token : "";
  return <PasswordLinkPage kind="invite" token={given} person={given ? await personOfLink(given, "invite") : null} />;
}
