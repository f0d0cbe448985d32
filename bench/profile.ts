import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { ROOT } from "../scripts/chaos/processes";

/**
 * Where a process's CPU time went, from the `.cpuprofile` that `node --cpu-prof` writes at
 * exit: self time per function and per area (a package, a file of the shop, Node's internals,
 * the garbage collector), idle time left out.
 */

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

export interface ProfileSummary {
  file: string;
  /** CPU time in the profile, idle excluded. */
  busyMs: number;
  byArea: { area: string; ms: number; share: number }[];
  topFunctions: { name: string; where: string; ms: number; share: number }[];
}

function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return "node internals";
  // Turbopack bundles the shop's code with the libraries it imports (kysely, zod…) into .next/server.
  if (url.includes("/.next/server/")) return ".next/server bundle";
  const packageName = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageName) return packageName[1]!;
  const path = url.startsWith("file://") ? relative(ROOT, new URL(url).pathname) : url;
  return path.startsWith("lib/") || path.startsWith("bench/") ? path : "other";
}

export function summarizeProfile(file: string, top = 12): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const sampleMs = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, { name: string; where: string; ms: number }>();
  let busyMs = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0 || node.callFrame.functionName === "(idle)") continue;
    const ms = hits * sampleMs;
    busyMs += ms;
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + ms);
    const name = node.callFrame.functionName || "(anonymous)";
    const where = `${area}:${node.callFrame.lineNumber + 1}`;
    const key = `${name}@${where}`;
    const entry = byFunction.get(key) ?? { name, where, ms: 0 };
    entry.ms += ms;
    byFunction.set(key, entry);
  }
  const share = (ms: number) => ms / (busyMs || 1);
  return {
    file: relative(ROOT, file),
    busyMs,
    byArea: [...byArea.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([area, ms]) => ({ area, ms, share: share(ms) })),
    topFunctions: [...byFunction.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((entry) => ({ ...entry, share: share(entry.ms) })),
  };
}

/**
 * The main thread's profile among those `node --cpu-prof` wrote into `dir` (tsx's loader thread
 * writes one too): the largest.
 */
export function mainThreadProfile(dir: string): string | null {
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir)
    .filter((name) => name.endsWith(".cpuprofile"))
    .map((name) => join(dir, name))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  return files[0] ?? null;
}

export function formatProfile(label: string, summary: ProfileSummary): string {
  const pct = (share: number) => `${(share * 100).toFixed(1)}%`.padStart(6);
  return [
    `CPU profile of ${label} (${summary.file}): ${(summary.busyMs / 1000).toFixed(1)} s busy`,
    "  by area:",
    ...summary.byArea.map((entry) => `    ${pct(entry.share)}  ${entry.area}`),
    "  top functions (self time):",
    ...summary.topFunctions.map((entry) => `    ${pct(entry.share)}  ${entry.name}  ${entry.where}`),
  ].join("\n");
}
