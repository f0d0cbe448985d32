import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanEnv, type CliRun } from "@/test/cli";

/** `npm run browser` (what `npm test` runs first) in a child process, with only the given environment. */
function runBrowserScript(env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "scripts/browser.ts"],
      { env: cleanEnv({ HOME: process.env.HOME ?? "", ...env }), timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

const scratch = () => mkdtempSync(join(tmpdir(), "browser-test-"));

/** A stand-in browser: an executable that answers --version as Chromium does. */
function fakeBrowser(dir: string, name = "chrome"): string {
  const path = join(dir, name);
  writeFileSync(path, "#!/bin/sh\necho 'Fake Chromium 1.2.3'\n");
  chmodSync(path, 0o755);
  return path;
}

describe("scripts/browser.ts: finding a browser before the browser tests", () => {
  it("stops with one line naming the commands to run when no browser is found and Playwright's download fails", async () => {
    const result = await runBrowserScript({
      CHROMIUM_CANDIDATES: join(scratch(), "no-such-chromium"),
      // An empty cache, and a download host that refuses at once: Playwright's installer really runs and fails.
      PLAYWRIGHT_BROWSERS_PATH: scratch(),
      PLAYWRIGHT_DOWNLOAD_HOST: "http://127.0.0.1:9",
      CHROMIUM_INSTALL: "playwright",
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("trying `npx playwright install chromium`");
    expect(result.stdout).toContain("`npx playwright install chromium` did not work");
    const help = result.stderr.trim().split("\n");
    expect(help).toHaveLength(1);
    expect(help[0]).toContain("apt-get install -y chromium");
    expect(help[0]).toContain("CHROMIUM_PATH=");
  });

  it("refuses a CHROMIUM_PATH that names no program, naming the variable, and installs nothing", async () => {
    const missing = join(scratch(), "chrome");
    const result = await runBrowserScript({ CHROMIUM_PATH: missing, CHROMIUM_INSTALL: "playwright,apt" });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`CHROMIUM_PATH=${missing} names no executable file: fix or unset CHROMIUM_PATH.`);
    expect(result.stdout).not.toContain("trying");
  });

  it("takes CHROMIUM_PATH as it is, and says which browser it found", async () => {
    const chrome = fakeBrowser(scratch());
    const result = await runBrowserScript({ CHROMIUM_PATH: chrome });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(`browser: ${chrome}, Fake Chromium 1.2.3 (CHROMIUM_PATH)`);
  });

  it("takes the first system browser that exists, skipping missing ones", async () => {
    const dir = scratch();
    const chrome = fakeBrowser(dir, "chromium");
    const result = await runBrowserScript({ CHROMIUM_CANDIDATES: `${join(dir, "absent")}:${chrome}`, CHROMIUM_INSTALL: "none" });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(`browser: ${chrome}, Fake Chromium 1.2.3 (installed on this machine)`);
  });

  it("refuses an unknown CHROMIUM_INSTALL rather than guessing", async () => {
    const result = await runBrowserScript({ CHROMIUM_CANDIDATES: join(scratch(), "absent"), PLAYWRIGHT_BROWSERS_PATH: scratch(), CHROMIUM_INSTALL: "brew" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("CHROMIUM_INSTALL=brew: use none or a list of playwright, apt.");
  });
});
