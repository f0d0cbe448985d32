import { randomBytes } from "node:crypto";
import { subscribe } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import { isIPv4, isIPv6, type Socket } from "node:net";
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

/**
 * The client an address stands for, as every per-client limit counts it. An IPv4 address is
 * itself. An IPv6 address is its /64 ("2001:db8:1:2::/64"): one subscriber's network, from which
 * a single machine may take any of 2^64 addresses, so counting addresses would give it a limit per
 * address it cares to use. An IPv4-mapped IPv6 address is its IPv4 address. Anything else (not an
 * address at all: a proxy's odd entry) is kept as it is, to 64 characters.
 */
export function clientOf(address: string): string {
  const bare = address.trim().replace(/^\[(.*)\]$/, "$1").replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (!isIPv6(bare)) return address.slice(0, 64);
  const groups = ipv6Groups(bare);
  const prefix = groups.slice(0, 4).map((group) => group.toString(16));
  // Shortened as RFC 5952 writes it: trailing zero groups of the prefix fold into the "::".
  while (prefix.length > 0 && prefix.at(-1) === "0") prefix.pop();
  return `${prefix.join(":")}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (a dotted IPv4 tail is two of them). */
function ipv6Groups(address: string): number[] {
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  let text = address;
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split(".").map(Number) as [number, number, number, number];
    text = `${address.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const parse = (part: string | undefined) => (part ? part.split(":").map((group) => parseInt(group, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  return tail === undefined ? left : [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}
