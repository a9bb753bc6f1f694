import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "examples",
    root: new URL(".", import.meta.url).pathname,
    include: ["*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Child processes against one real server: run after the package suites, one file at a time.
    maxWorkers: 1,
    sequence: { groupOrder: 3 },
  },
});
