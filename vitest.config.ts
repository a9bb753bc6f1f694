import { defineConfig } from "vitest/config";

// One vitest run over every package: each package (and scripts/) is a
// project with its own vitest.config.ts.
export default defineConfig({
  test: {
    projects: ["packages/*/vitest.config.ts", "packages/server/vitest.faults.config.ts", "scripts/vitest.config.ts", "examples/vitest.config.ts"],
  },
});
