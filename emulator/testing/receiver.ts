import http, { type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** A throwaway webhook receiver on port 0 that records the raw bytes of every request. */

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  at: number;
}

/** A status to answer, or "hang" to never answer (the emulator's timeout must cut it). */
export type Answer = number | "hang";
export type Responder = (request: Received, index: number) => Answer;

export interface Receiver {
  url: string;
  received: Received[];
  /** Parsed JSON bodies, in arrival order. */
  bodies(): Record<string, unknown>[];
  respondWith(responder: Responder): void;
  clear(): void;
  close(): Promise<void>;
}

export async function startReceiver(path = "/api/webhook"): Promise<Receiver> {
  const received: Received[] = [];
  let responder: Responder = () => 200;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request: Received = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, raw: Buffer.concat(chunks), at: Date.now() };
      received.push(request);
      const answer = responder(request, received.length - 1);
      if (answer === "hang") return;
      res.writeHead(answer, { "Content-Type": "application/json" }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    bodies: () => received.map((r) => (r.raw.length ? (JSON.parse(r.raw.toString("utf8")) as Record<string, unknown>) : {})),
    respondWith(next) {
      responder = next;
    },
    clear() {
      received.length = 0;
      responder = () => 200;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
