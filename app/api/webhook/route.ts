import { NextResponse, type NextRequest } from "next/server";
import { loadConfig } from "@/lib/config";
import { errorMessage, inRequest, log } from "@/lib/log";
import { countDelivery, MAX_WEBHOOK_BYTES, receiveWebhook } from "@/lib/webhooks/webhook";
import { clientAddress } from "@/lib/security/rate-limit";
import { readCapped } from "@/lib/security/request-gate";
import { webhookDeps } from "@/lib/server/deps";

export const dynamic = "force-dynamic";

/** PayRam's notifications: POST (current servers) and GET (the seed FAQ's form). */
function handle(request: NextRequest) {
  return inRequest(request.headers, () => receive(request));
}

async function receive(request: NextRequest) {
  const body = await readLimited(request, MAX_WEBHOOK_BYTES);
  if (body === null) {
    countDelivery("too_large");
    return NextResponse.json({ ok: false, error: `body over ${MAX_WEBHOOK_BYTES} bytes` }, { status: 413 });
  }
  try {
    const answer = await receiveWebhook(webhookDeps(), {
      method: request.method,
      headers: request.headers,
      body,
      query: request.nextUrl.searchParams,
      client: clientAddress(request.headers, loadConfig().trustedProxyCount),
    });
    const headers = answer.retryAfterSeconds ? { "Retry-After": String(answer.retryAfterSeconds) } : undefined;
    return NextResponse.json(answer.body, { status: answer.status, headers });
  } catch (error) {
    log.error({ event: "webhook", err: errorMessage(error) }, "webhook could not be processed");
    countDelivery("failed");
    // Could not even record the delivery (database down): PayRam retries on 5xx.
    return NextResponse.json({ ok: false, error: "temporarily unable to process; please retry" }, { status: 503 });
  }
}

export const POST = handle;
export const GET = handle;

/** The raw body, or null once it passes `limit` bytes (read no further). */
async function readLimited(request: NextRequest, limit: number): Promise<Uint8Array | null> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) return null;
  return readCapped(request.body, limit);
}
