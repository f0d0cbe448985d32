import { randomBytes } from "node:crypto";
import { subscribe } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { processWide } from "../process-wide";

/**
 * The address of the connection a request came on. Next.js hands routes and server actions no
 * socket, and fills X-Forwarded-For with the peer only when the client sent none, so that header
 * is the client's own word. Node announces each request on the `http.server.request.start`
 * diagnostics channel before any listener sees it; there this module writes the socket's address
 * into a header of its own, overwriting whatever a client put there, with a per-process secret
 * so that a request this hook never saw (a custom server, one that came in before the hook was
 * installed) cannot pass off a made-up one.
 */
const PEER_HEADER = "x-payram-shop-peer";

const stamp = () => processWide("peer-stamp", () => ({ secret: randomBytes(18).toString("base64url"), installed: false }));

/** Starts stamping every request this process's HTTP server receives (instrumentation.ts). */
export function installPeerStamp(): void {
  const state = stamp();
  if (state.installed) return;
  state.installed = true;
  subscribe("http.server.request.start", (message) => {
    const { request, socket } = message as { request: IncomingMessage; socket: Socket };
    const address = socket.remoteAddress;
    if (address) request.headers[PEER_HEADER] = `${state.secret} ${address}`;
    else delete request.headers[PEER_HEADER];
  });
}

/** The connection's address as stamped by this process, or null (not stamped, or forged). */
export function peerAddress(headers: Headers): string | null {
  const value = headers.get(PEER_HEADER);
  if (!value) return null;
  const [secret, address] = value.split(" ");
  if (secret !== stamp().secret || !address) return null;
  // "::ffff:203.0.113.7" is the IPv4 client of a dual-stack socket: the same client as "203.0.113.7".
  return address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");
}
