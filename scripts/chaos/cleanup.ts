/**
 * What must be undone however the run ends (success, failure, SIGINT, deadline): app servers,
 * the emulator, database handles, the run's database. Undone last-in first-out, each step
 * bounded in time, so the process always gets to exit.
 */
type Step = { label: string; run: () => Promise<unknown> | unknown };

const steps: Step[] = [];
/** Set once everything is being undone (the process is ending): later steps run at once. */
let closed = false;
const late = new Set<Promise<void>>();

export function defer(label: string, run: Step["run"]): void {
  if (!closed) {
    steps.push({ label, run });
    return;
  }
  // Something was created while the process was already stopping (e.g. Ctrl+C mid-start).
  const done = runStep({ label, run }, 15_000).finally(() => late.delete(done));
  late.add(done);
}

/** A mark to unwind to (the steps of one database run). */
export function mark(): number {
  return steps.length;
}

/** One unwinding at a time: a Ctrl+C during a run's own cleanup waits for it rather than exiting under it. */
let unwinding: Promise<void> = Promise.resolve();

/** Undoes the steps registered since `to`, last first. */
export function unwind(to: number, stepTimeoutMs = 15_000): Promise<void> {
  unwinding = unwinding.then(async () => {
    while (steps.length > to) await runStep(steps.pop()!, stepTimeoutMs);
  });
  return unwinding;
}

/** Undoes everything, for good: steps registered from now on run as soon as they are registered. */
export async function unwindAll(): Promise<void> {
  closed = true;
  await unwind(0);
  while (late.size > 0) await Promise.all([...late]);
}

async function runStep(step: Step, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(step.run),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`took over ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    console.error(`Cleanup: could not ${step.label}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    clearTimeout(timer);
  }
}
