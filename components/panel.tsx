import type { ReactNode } from "react";

/** A titled card, the section of the shop's and the merchant's pages; `id` labels it for screen readers. */
export function Panel({ id, title, className = "", children }: { id: string; title: string; className?: string; children: ReactNode }) {
  return (
    <section aria-labelledby={id} className={`rounded-xl border border-paper-line bg-paper p-6 ${className}`}>
      <h2 id={id} className="text-lg font-semibold">
        {title}
      </h2>
      {children}
    </section>
  );
}
