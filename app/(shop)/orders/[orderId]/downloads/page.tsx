import type { Metadata } from "next";
import { PageTitle } from "@/components/page-title";
import { notFound } from "next/navigation";
import { getLocale, getTranslations } from "next-intl/server";
import { Panel } from "@/components/panel";
import { DOWNLOAD_LIMIT } from "@/lib/orders/downloads";
import { shopperDownloads } from "@/lib/server/reads";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("Downloads"))("meta"), robots: { index: false } };
}
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
  const t = await getTranslations("Downloads");
  const locale = await getLocale();
  return (
    <div className="space-y-6">
      <div>
        <PageTitle back={`/orders/${orderId}`} backLabel={t("back", { number: view.orderNumber })}>
          {t("title")}
        </PageTitle>
      </div>
      {view.state === "unpaid" && <p data-testid="downloads-unavailable">{t("unpaid")}</p>}
      {view.state === "cancelled" && <p data-testid="downloads-unavailable">{t("cancelled")}</p>}
      {view.state === "ready" && (
        <Panel id="files" title={t("files")}>
          {view.lines.length === 0 ? (
            <p className="mt-4">{t("nothing")}</p>
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
                      <p className="text-sm text-ink-muted">{t("noFile")}</p>
                    ) : line.href === null ? (
                      <p className="text-sm text-bad">{t("limit", { limit: DOWNLOAD_LIMIT })}</p>
                    ) : (
                      <p className="text-sm">
                        {/* A plain link, never prefetched: each download is counted. */}
                        <a href={line.href} className="font-medium text-brand-700 underline">
                          {t("download", { file: line.fileName })}
                        </a>{" "}
                        <span className="text-ink-muted">
                          {t("left", { size: formatSize(line.size ?? 0), remaining: line.remaining, limit: DOWNLOAD_LIMIT })}
                        </span>
                      </p>
                    )}
                  </li>
                ))}
              </ul>
              <p className="mt-6 text-sm text-ink-muted">
                {t("expire", { date: view.linksExpireAt.toLocaleString(locale === "en" ? "en-US" : locale, { dateStyle: "long", timeStyle: "short", timeZone: "UTC" }) })}
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
