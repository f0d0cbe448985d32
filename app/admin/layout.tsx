import type { Metadata } from "next";
import type { ReactNode } from "react";

export const metadata: Metadata = { title: { default: "Merchant", template: "%s · Merchant · Lumen Goods" }, robots: { index: false } };

export default function AdminLayout({ children }: { children: ReactNode }) {
  return <>{children}</>;
}
