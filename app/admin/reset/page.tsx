import type { Metadata } from "next";
import { linkPageTitle, PasswordLinkPage } from "../_components/password-link-page";
import { personOfLink } from "@/lib/server/reads";

export const metadata: Metadata = { title: linkPageTitle("reset") };

export default async function Page({ searchParams }: PageProps<"/admin/reset">) {
  const { token } = await searchParams;
  const given = typeof token === "string" ? token : "";
  return <PasswordLinkPage kind="reset" token={given} person={given ? await personOfLink(given, "reset") : null} />;
}
