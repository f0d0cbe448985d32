// `npm start`: the standalone server that `npm run build` made, in this process (so SIGTERM
// reaches it). The server runs from .next/standalone (it changes into that folder), which the next
// build replaces: a relative SQLite path (the default data/shop.db included) is made absolute
// here, against the folder `npm start` runs in, so the shop's data stays where it always was.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { isAbsolute, join, resolve } from "node:path";

const server = join(import.meta.dirname, "..", ".next", "standalone", "server.js");
if (!existsSync(server)) {
  console.error("Cannot start: no build in .next/standalone. Run `npm run build` first.");
  process.exit(1);
}
const url = process.env.DATABASE_URL?.trim() || "file:data/shop.db";
const sqlite = /^(file|sqlite):(.+)$/.exec(url);
const path = sqlite?.[2].replace(/^\/\/(?=\/)/, "");
if (sqlite && path && path !== ":memory:" && !isAbsolute(path)) process.env.DATABASE_URL = `${sqlite[1]}:${resolve(path)}`;
createRequire(import.meta.url)(server);
