// The browser the end-to-end suite, the benchmarks and the status-page screenshots drive.
// `npm test` (and `npm run bench`, and .ci/run) call `tsx scripts/browser.ts` first: it finds a
// Chromium or installs one, saying one line per step, and fails within seconds, before any build,
// with the command to run when none can be had. Playwright's config resolves the same way
// (findBrowser, which never installs).
import { execFileSync, spawnSync } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { chromium } from "@playwright/test";

/** Debian's, Ubuntu's and Google's packages, in that order. */
const SYSTEM_BROWSERS = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"];

/** How a browser may be installed when none is found; CHROMIUM_INSTALL narrows it ("none" installs nothing). */
const INSTALLERS = ["playwright", "apt"] as const;
type Installer = (typeof INSTALLERS)[number];

export const MISSING_BROWSER_HELP =
  "No Chromium for the browser tests. Install one (Debian/Ubuntu: `sudo apt-get install -y chromium`; elsewhere: `npx playwright install chromium`) or set CHROMIUM_PATH=/path/to/chrome.";

export type Found = { path: string | undefined; how: string };

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds a browser without installing anything. `path: undefined` means Playwright's own download
 * (it picks its executable itself). Throws only for a CHROMIUM_PATH that names no program.
 */
export function findBrowser(env: NodeJS.ProcessEnv = process.env): Found | null {
  const configured = env.CHROMIUM_PATH;
  if (configured !== undefined && configured !== "") {
    if (!isExecutable(configured)) throw new Error(`CHROMIUM_PATH=${configured} names no executable file: fix or unset CHROMIUM_PATH.`);
    return { path: configured, how: "CHROMIUM_PATH" };
  }
  // CHROMIUM_PATH= (empty) asks for Playwright's own download only; CHROMIUM_CANDIDATES (colon-separated) replaces the system list, for tests.
  const systemBrowsers = configured === "" ? [] : (env.CHROMIUM_CANDIDATES?.split(":").filter(Boolean) ?? SYSTEM_BROWSERS);
  for (const path of systemBrowsers) if (isExecutable(path)) return { path, how: "installed on this machine" };
  if (existsSync(chromium.executablePath())) return { path: undefined, how: "Playwright's own download" };
  return null;
}

function installers(env: NodeJS.ProcessEnv): Installer[] {
  const wanted = env.CHROMIUM_INSTALL;
  if (wanted === undefined) return [...INSTALLERS];
  if (wanted === "none" || wanted === "") return [];
  const names = wanted.split(",").map((name) => name.trim());
  const unknown = names.filter((name) => !INSTALLERS.includes(name as Installer));
  if (unknown.length) throw new Error(`CHROMIUM_INSTALL=${wanted}: use none or a list of ${INSTALLERS.join(", ")}.`);
  return names as Installer[];
}

function isDebianRoot(): boolean {
  return process.getuid?.() === 0 && existsSync("/etc/debian_version");
}

/** Runs one install command; its output goes to stderr so the one-line summary stays readable. */
function run(label: string, command: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv): boolean {
  const result = spawnSync(command, args, { stdio: ["ignore", "ignore", "pipe"], timeout: timeoutMs, env, encoding: "utf8" });
  if (result.status === 0) return true;
  // The first line that says what went wrong (Playwright's download prints a stack after it).
  const why = result.error?.message ?? result.stderr.split("\n").find((line) => /error|fail|denied|unable/i.test(line))?.trim() ?? `exit ${result.status}`;
  console.log(`browser: \`${label}\` did not work: ${why.slice(0, 200)}`);
  return false;
}

function install(installer: Installer, env: NodeJS.ProcessEnv): boolean {
  if (installer === "playwright") {
    console.log("browser: none found; trying `npx playwright install chromium`…");
    // Where Playwright's download host cannot be reached this fails in seconds; a real download takes about a minute.
    return run("npx playwright install chromium", process.execPath, [require.resolve("@playwright/test/cli"), "install", "chromium"], 5 * 60_000, env);
  }
  if (!isDebianRoot()) {
    console.log("browser: not root on Debian/Ubuntu, so not trying apt-get");
    return false;
  }
  console.log("browser: trying `apt-get install -y chromium` (about a minute)…");
  const aptEnv = { ...env, DEBIAN_FRONTEND: "noninteractive" };
  return (
    run("apt-get update", "apt-get", ["update", "-qq"], 5 * 60_000, aptEnv) &&
    run("apt-get install -y chromium", "apt-get", ["install", "-y", "-qq", "chromium"], 10 * 60_000, aptEnv)
  );
}

/** Finds a browser, or installs one by each allowed way in turn; null when none could be had. */
export function ensureBrowser(env: NodeJS.ProcessEnv = process.env): Found | null {
  const found = findBrowser(env);
  if (found) return found;
  for (const installer of installers(env)) {
    if (!install(installer, env)) continue;
    const now = findBrowser(env);
    if (now) return { ...now, how: `${now.how}, installed just now by ${installer}` };
  }
  return null;
}

function summary(found: Found): string {
  if (found.path === undefined) return `browser: ${chromium.executablePath()} (${found.how})`;
  let version = "";
  try {
    // Debian's wrapper script prints a harmless shell warning on stderr; the version is on stdout.
    version = execFileSync(found.path, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 10_000 }).trim();
  } catch {
    // A browser that cannot print its version still gets its chance in the tests.
  }
  return `browser: ${found.path}${version ? `, ${version}` : ""} (${found.how})`;
}

if (process.argv[1] && /scripts[\\/]browser\.ts$/.test(process.argv[1])) {
  try {
    const found = ensureBrowser();
    if (!found) {
      console.error(MISSING_BROWSER_HELP);
      process.exit(1);
    }
    console.log(summary(found));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
