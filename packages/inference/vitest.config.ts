import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // The end-to-end tests start the reference server in-process from its
    // sources (a package dependency on @sovren/server would be a cycle), and
    // the server then uses this package's sources too.
    alias: {
      "@sovren/server": here("../server/src/index.ts"),
      "@sovren/inference": here("./src/index.ts"),
    },
  },
  test: {
    name: "inference",
    root: here("."),
    include: ["test/**/*.test.ts"],
    // Starts Triton and Ray with scripts/inference/*.sh when SOVREN_INFERENCE_TESTS=1.
    globalSetup: ["test/e2e/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // The end-to-end files share one Triton and one Ray and stop Triton on purpose: one file at a time.
    fileParallelism: false,
    // Its own group, after the server's PGlite suites (group 1): they do not fight for the 2 cores.
    sequence: { groupOrder: 2 },
  },
});
