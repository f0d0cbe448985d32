import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, parse, sep } from "node:path";
import { defer } from "../scripts/chaos/cleanup";
import { exitOf, freePort, ROOT, spawnTracked, waitFor } from "../scripts/chaos/processes";

/**
 * The page-weight reference: a blank App Router app (app/layout.tsx + app/page.tsx) in a
 * temporary folder, on the repo's node_modules (a symlink), built with the same `next build`
 * and served by the same `next start` as the shop. Like the shop's root layout, its page is
 * rendered per request (force-dynamic), so both are measured in the same rendering mode.
 */

const NEXT_BIN = join(ROOT, "node_modules", "next", "dist", "bin", "next");

const FILES: Record<string, string> = {
  "package.json": `{ "name": "bench-blank-app", "private": true }\n`,
  "app/layout.tsx": `import type { ReactNode } from "react";

export const dynamic = "force-dynamic";

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
`,
  "app/page.tsx": `export default function Page() {
  return <p>blank</p>;
}
`,
};

export interface BlankApp {
  url: string;
  buildSeconds: number;
}

/** The deepest folder holding both paths (Turbopack compiles nothing outside its root, and node_modules is a symlink into the repo). */
function commonAncestor(a: string, b: string): string {
  const left = a.split(sep);
  const right = b.split(sep);
  let shared = 0;
  while (shared < left.length && shared < right.length && left[shared] === right[shared]) shared++;
  return left.slice(0, shared).join(sep) || parse(a).root;
}

export async function startBlankApp(options: { verbose: boolean }): Promise<BlankApp> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "bench-blank-app-")));
  defer(`remove the blank app in ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "app"));
  for (const [file, text] of Object.entries(FILES)) writeFileSync(join(dir, file), text);
  writeFileSync(join(dir, "next.config.mjs"), `export default { turbopack: { root: ${JSON.stringify(commonAncestor(dir, realpathSync(ROOT)))} } };\n`);
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? dir, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" as const };

  const started = performance.now();
  const build = spawnTracked("blank build", [NEXT_BIN, "build"], { cwd: dir, env, verbose: options.verbose });
  defer("stop the blank app's build", () => build.stop());
  const code = await exitOf(build, 5 * 60_000);
  if (code !== 0) throw new Error(`next build of the blank app failed (exit ${code}):\n${build.output().slice(-20).join("\n")}`);
  const buildSeconds = (performance.now() - started) / 1000;

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawnTracked("blank", [NEXT_BIN, "start", "-p", String(port), "-H", "127.0.0.1"], { cwd: dir, env, verbose: options.verbose });
  defer("stop the blank app", () => server.stop());
  await waitFor(
    `the blank app (${url}) to answer`,
    async () => {
      if (server.child.exitCode !== null) throw new Error(`the blank app exited (${server.child.exitCode}):\n${server.output().slice(-20).join("\n")}`);
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        await response.body?.cancel();
        return response.status === 200;
      } catch {
        return false;
      }
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  return { url, buildSeconds };
}
