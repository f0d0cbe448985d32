// `npm run dev`: the shop (next dev), the PayRam emulator and a local inbox (MailDev: the shop's
// mails at http://localhost:1080/index.html, SMTP on 1025) side by side, for development and the demo.
// Ctrl-C stops them all; if one exits, the others are stopped too.
import { spawn } from "node:child_process";

const children = [
  { name: "emulator", args: ["--import", "tsx", "emulator/main.ts"] },
  { name: "shop", args: ["node_modules/.bin/next", "dev"] },
  { name: "inbox", args: ["node_modules/.bin/maildev", "--smtp", "1025", "--web", "1080", "--ip", "127.0.0.1"] },
].map(({ name, args }) => {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: { NEXT_TELEMETRY_DISABLED: "1", ...process.env } });
  for (const stream of [child.stdout, child.stderr]) {
    let partial = "";
    stream.on("data", (chunk) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) (stream === child.stderr ? process.stderr : process.stdout).write(`[${name}] ${line}\n`);
    });
  }
  child.on("exit", (code) => {
    console.log(`[${name}] exited${code === null ? "" : ` with code ${code}`}`);
    stopAll(code ?? 0);
  });
  return child;
});

let stopping = false;
function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  setTimeout(() => process.exit(code), 500).unref();
}

process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));
