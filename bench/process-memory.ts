import { readdirSync, readFileSync } from "node:fs";

/**
 * Resident memory (bytes) of a process and every process below it, from /proc (Linux): `next
 * start` may run its server in a child. Null elsewhere or when the process is gone.
 */
export function treeRssBytes(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const parents = new Map<number, number>();
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
      } catch {
        // Gone meanwhile.
      }
    }
    const tree = [pid];
    for (let i = 0; i < tree.length; i++) for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
    let total = 0;
    for (const member of tree) {
      const status = readFileSync(`/proc/${member}/status`, "utf8");
      const kib = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? 0);
      total += kib * 1024;
    }
    return total;
  } catch {
    return null;
  }
}

/** The soft limit on open files of this process (`ulimit -n`), or null when /proc does not say. */
export function openFilesLimit(): number | null {
  try {
    const line = /^Max open files\s+(\S+)/m.exec(readFileSync("/proc/self/limits", "utf8"))?.[1];
    return line === undefined ? null : line === "unlimited" ? Number.POSITIVE_INFINITY : Number(line);
  } catch {
    return null;
  }
}
