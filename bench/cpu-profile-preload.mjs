/**
 * `node --cpu-prof` for a process that can only be reached through NODE_OPTIONS (Node 20 does
 * not allow --cpu-prof there): loaded with `--import`, it starts the V8 sampling profiler (1 ms
 * interval, as --cpu-prof) and writes BENCH_CPU_PROFILE_DIR/CPU.<pid>.cpuprofile when the
 * process exits (next start exits on SIGTERM).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";

const dir = process.env.BENCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 1000 });
  session.post("Profiler.start");
  let written = false;
  process.on("exit", () => {
    if (written) return;
    written = true;
    // An in-process session answers synchronously, so this completes before the process ends.
    session.post("Profiler.stop", (error, result) => {
      if (error || !result) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `CPU.${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
