import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ConfirmRefundAddress } from "./_components/confirm-refund-address";
import { confirmTokenSchema } from "@/lib/refunds/address";
import { refundAddressToConfirm } from "@/lib/server/reads";

export const metadata: Metadata = { title: "Confirm your refund address", robots: { index: false } };

/** Opened from the mailed link: shows the address and asks for a click (mail scanners follow links; they do not press buttons). */
export default async function RefundAddressPage({ params, searchParams }: PageProps<"/orders/[orderId]/refund-address">) {
  const { orderId } = await params;
  // The mailed link's token, as the confirming action will parse it: anything else confirms nothing.
  const parsed = confirmTokenSchema.safeParse((await searchParams).token);
  const token = parsed.success ? parsed.data : null;
  const page = await refundAddressToConfirm(orderId);
  if (!page) notFound();
  const { order, address } = page;
  return (
    <div className="mx-auto max-w-xl space-y-4 rounded-xl border border-paper-line bg-paper p-6">
      <h1 className="text-2xl font-semibold tracking-tight">Confirm where to send your refund</h1>
      {!address || token === null ? (
        <p>There is no address waiting for confirmation on order #{order.number}.</p>
      ) : (
        <>
          <p>
            Order #{order.number}: {address.token} on {address.network} to <code className="break-all">{address.address}</code>
          </p>
          <ConfirmRefundAddress orderId={order.id} token={token} />
        </>
      )}
    </div>
  );
}
