import Link from "next/link";
import type { ReactNode } from "react";

/** A page's title under its way back: "Products" above "New product". */
export function PageTitle({ back, backLabel, children }: { back: string; backLabel: ReactNode; children: ReactNode }) {
  return (
    <>
      <p className="text-sm">
        <Link href={back} className="text-brand-700 underline">
          {backLabel}
        </Link>
      </p>
      <h1 className="text-3xl font-semibold tracking-tight">{children}</h1>
    </>
  );
}
