import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { ConfirmRefundAddress } from "./_components/confirm-refund-address";
import { confirmTokenSchema } from "@/lib/refunds/address";
import { refundAddressToConfirm } from "@/lib/server/reads";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("RefundAddress"))("meta"), robots: { index: false } };
}

/** Opened from the mailed link: shows the address and asks for a click (mail scanners follow links; they do not press buttons). */
export default async function RefundAddressPage({ params, searchParams }: PageProps<"/orders/[orderId]/refund-address">) {
  const { orderId } = await params;
  // The mailed link's token, as the confirming action will parse it: anything else confirms nothing.
  const parsed = confirmTokenSchema.safeParse((await searchParams).token);
  const token = parsed.success ? parsed.data : null;
  const page = await refundAddressToConfirm(orderId);
  if (!page) notFound();
  const { order, address } = page;
  const t = await getTranslations("RefundAddress");
  return (
    <div className="mx-auto max-w-xl space-y-4 rounded-xl border border-paper-line bg-paper p-6">
      <h1 className="text-2xl font-semibold tracking-tight">{t("title")}</h1>
      {!address || token === null ? (
        <p>{t("nothingWaiting", { number: order.number })}</p>
      ) : (
        <>
          <p>
            {t.rich("what", { number: order.number, token: address.token, network: address.network, address: address.address, code: (chunks) => <code className="break-all">{chunks}</code> })}
          </p>
          <ConfirmRefundAddress orderId={order.id} token={token} />
        </>
      )}
    </div>
  );
}
