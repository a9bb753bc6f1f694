import { defineConfig } from "vitest/config";

// Fault-injection tests (test/faults/): servers as child processes that are
// killed, drained and cut off from their database. One file at a time, after
// every other project, so their timings do not compete with other suites on
// a 2-core machine.
export default defineConfig({
  test: {
    name: "server-faults",
    include: ["test/faults/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    sequence: { groupOrder: 2 },
  },
});
