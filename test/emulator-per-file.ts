import { afterAll, beforeAll, beforeEach } from "vitest";
import { startTestPayram, type TestPayram } from "./emulator";

/** One emulator for a test file, reset before each test. */
export function emulatorPerFile(options: Parameters<typeof startTestPayram>[0] = {}): TestPayram {
  let current: TestPayram | undefined;
  beforeAll(async () => {
    current = await startTestPayram(options);
  });
  afterAll(() => current?.emulator.close());
  beforeEach(() => current?.emulator.reset());
  const started = () => {
    if (!current) throw new Error("the test emulator is not started yet: use it inside hooks and tests");
    return current;
  };
  return {
    get emulator() {
      return started().emulator;
    },
    get client() {
      return started().client;
    },
    control: (path, method, body) => started().control(path, method, body),
    payments: () => started().payments(),
    deposit: (referenceId, amountInUSD) => started().deposit(referenceId, amountInUSD),
    statusCalls: (referenceId) => started().statusCalls(referenceId),
  };
}
