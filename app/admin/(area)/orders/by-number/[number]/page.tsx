import { notFound, redirect } from "next/navigation";
import { requireMerchantPage } from "@/lib/server/auth";
import { merchantOrderIdByNumber } from "@/lib/server/reads";

/**
 * The merchant's mails link an order by its number (they never carry its secret id): signed in,
 * the merchant is sent on to the order's page.
 */
export default async function AdminOrderByNumberPage({ params }: PageProps<"/admin/orders/by-number/[number]">) {
  await requireMerchantPage("orders.read");
  const { number } = await params;
  const orderId = await merchantOrderIdByNumber(number);
  if (!orderId) notFound();
  redirect(`/admin/orders/${orderId}`);
}
