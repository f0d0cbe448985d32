import type { Metadata } from "next";
import { PageTitle } from "@/components/page-title";
import { notFound } from "next/navigation";
import { Panel } from "@/components/panel";
import { DOWNLOAD_LIMIT } from "@/lib/orders/downloads";
import { shopperDownloads } from "@/lib/server/reads";

export const metadata: Metadata = { title: "Your downloads", robots: { index: false } };
// Every visit signs fresh links that expire LINK_TTL_MS from now.
export const dynamic = "force-dynamic";

/**
 * An order's downloads: where its page and its mails lead (never to a file itself: mail scanners
 * follow links, and each served file is counted).
 */
export default async function DownloadsPage({ params }: PageProps<"/orders/[orderId]/downloads">) {
  const { orderId } = await params;
  const view = await shopperDownloads(orderId);
  if (view.state === "not_found") notFound();
  return (
    <div className="space-y-6">
      <div>
        <PageTitle back={`/orders/${orderId}`} backLabel={<>Order #{view.orderNumber}</>}>
          Your downloads
        </PageTitle>
      </div>
      {view.state === "unpaid" && <p data-testid="downloads-unavailable">Your downloads are ready here as soon as your payment arrives.</p>}
      {view.state === "cancelled" && <p data-testid="downloads-unavailable">This order was cancelled: it has no downloads.</p>}
      {view.state === "ready" && (
        <Panel id="files" title="Files">
          {view.lines.length === 0 ? (
            <p className="mt-4">This order has nothing to download.</p>
          ) : (
            <>
              <ul className="mt-4 space-y-4">
                {view.lines.map((line) => (
                  <li key={line.position} className="space-y-1" data-testid="download-line">
                    <p className="font-medium">
                      {line.name}
                      {line.quantity > 1 && ` × ${line.quantity}`}
                    </p>
                    {line.fileName === null ? (
                      <p className="text-sm text-ink-muted">The shop has not added the file for this item yet. Please contact the shop.</p>
                    ) : line.href === null ? (
                      <p className="text-sm text-bad">Download limit reached ({DOWNLOAD_LIMIT} downloads). Please contact the shop.</p>
                    ) : (
                      <p className="text-sm">
                        {/* A plain link, never prefetched: each download is counted. */}
                        <a href={line.href} className="font-medium text-brand-700 underline">
                          Download {line.fileName}
                        </a>{" "}
                        <span className="text-ink-muted">
                          ({formatSize(line.size ?? 0)} · {line.remaining} of {DOWNLOAD_LIMIT} downloads left)
                        </span>
                      </p>
                    )}
                  </li>
                ))}
              </ul>
              <p className="mt-6 text-sm text-ink-muted">
                These links work until {view.linksExpireAt.toLocaleString("en-US", { dateStyle: "long", timeStyle: "short", timeZone: "UTC" })} UTC. Come back to this page for new ones.
              </p>
            </>
          )}
        </Panel>
      )}
    </div>
  );
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
