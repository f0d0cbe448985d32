/**
 * The ceiling for webhook ingest: the shop's own webhook work — authenticate, record the
 * delivery, syncPayment (PayRam's GET, then the transaction) — behind a bare node:http server
 * instead of Next.js. Same library function (`receiveWebhook`), same dependencies as the route
 * (`webhookDeps()`), same start-up (`prepare`), same environment as the standalone server.
 *
 * Run by the bench as a child process: `node --conditions=react-server --import tsx bench/webhook/bare-server.ts`.
 * Prints `listening <port>` once it accepts connections (on 127.0.0.1, a free port).
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { loadConfig } from "../../lib/config";
import { getDb } from "../../lib/server/db";
import { webhookDeps } from "../../lib/server/deps";
import { MAX_WEBHOOK_BYTES, receiveWebhook } from "../../lib/webhooks/webhook";
import { clientAddress } from "../../lib/security/rate-limit";
import { prepare } from "../../lib/jobs/startup";

/** The raw body, or null once it passes `limit` bytes (as the route's reader does). */
async function readBody(request: IncomingMessage, limit: number): Promise<Uint8Array | null> {
  if (Number(request.headers["content-length"] ?? "0") > limit) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The request's headers as Next.js hands them to a route (it fills X-Forwarded-For with the peer when absent). */
function toHeaders(request: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  if (!headers.has("x-forwarded-for") && request.socket.remoteAddress) headers.set("x-forwarded-for", request.socket.remoteAddress);
  return headers;
}

function answer(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { ...headers, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  response.end(text);
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? "/", "http://bare.invalid");
  if (url.pathname !== "/api/webhook") return answer(response, 404, { error: "not found" });
  if (request.method !== "POST" && request.method !== "GET") return answer(response, 405, { error: "method not allowed" });
  const body = await readBody(request, MAX_WEBHOOK_BYTES);
  if (body === null) return answer(response, 413, { ok: false, error: `body over ${MAX_WEBHOOK_BYTES} bytes` });
  try {
    const headers = toHeaders(request);
    const result = await receiveWebhook(webhookDeps(), {
      method: request.method,
      headers,
      body,
      query: url.searchParams,
      client: clientAddress(headers, loadConfig().trustedProxyCount),
    });
    answer(response, result.status, result.body, result.retryAfterSeconds ? { "Retry-After": String(result.retryAfterSeconds) } : {});
  } catch {
    answer(response, 503, { ok: false, error: "temporarily unable to process; please retry" });
  }
}

async function main() {
  await prepare(() => getDb());
  const server = http.createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) answer(response, 500, { ok: false, error: "internal error" });
    });
  });
  server.listen(0, "127.0.0.1", () => {
    console.log(`listening ${(server.address() as AddressInfo).port}`);
  });
  // A clean exit, so that `node --cpu-prof` writes its profile.
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      server.closeAllConnections();
      server.close(() => process.exit(0));
    });
  }
}

main().catch((error: unknown) => {
  console.error(`bare webhook server: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
