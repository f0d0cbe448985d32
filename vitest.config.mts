import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      "@": import.meta.dirname,
      // Tests run server code directly, outside Next's react-server layer.
      "server-only": fileURLToPath(new URL("./node_modules/server-only/empty.js", import.meta.url)),
    },
  },
  test: {
    include: ["lib/**/*.test.ts", "app/**/*.test.ts", "scripts/**/*.test.ts", "emulator/**/*.test.ts", "e2e/**/*.test.ts"],
    environment: "node",
    globalSetup: ["./test/postgres-setup.ts"],
    // Vitest's default is one worker per core less one: a single one on two cores. The suites wait
    // on timers, sockets and databases far more than they compute, and each file has its own
    // database (test/databases.ts) and ports, so three files run side by side.
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
