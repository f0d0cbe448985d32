import { readFileSync } from "node:fs";

/**
 * CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat (Linux; its
 * times are in USER_HZ, 100 per second). Null elsewhere or when the process is gone.
 */
const USER_HZ = 100;

export function cpuMsOf(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const userTicks = Number(fields[11]);
    const systemTicks = Number(fields[12]);
    return Number.isFinite(userTicks) && Number.isFinite(systemTicks) ? ((userTicks + systemTicks) * 1000) / USER_HZ : null;
  } catch {
    return null;
  }
}
