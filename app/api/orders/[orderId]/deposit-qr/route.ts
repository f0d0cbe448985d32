import QRCode from "qrcode";
import { latestAttempt } from "@/lib/payments/attempts";
import { getDb } from "@/lib/server/db";
import { findOrder } from "@/lib/orders";

export const dynamic = "force-dynamic";

/** The deposit address of the order's current payment as a QR code (SVG), for wallets on phones. */
export async function GET(_request: Request, context: RouteContext<"/api/orders/[orderId]/deposit-qr">) {
  const { orderId } = await context.params;
  const order = await findOrder(getDb(), orderId);
  const address = order ? (await latestAttempt(getDb(), order.id))?.deposit_address : null;
  if (!address) return new Response("no deposit address yet", { status: 404, headers: { "Cache-Control": "no-store" } });
  const svg = await QRCode.toString(address, { type: "svg", margin: 1, errorCorrectionLevel: "M" });
  return new Response(svg, { headers: { "Content-Type": "image/svg+xml", "Cache-Control": "private, max-age=300" } });
}
