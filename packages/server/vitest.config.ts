import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const contracts = (entry: string) => fileURLToPath(new URL(`../contracts/src/${entry}.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Test against the contracts' sources, so no build step is needed first.
    alias: {
      "@sovren/contracts/proto": contracts("proto"),
      "@sovren/contracts/zod": contracts("zod"),
      "@sovren/contracts/openapi": contracts("openapi"),
      "@sovren/contracts/grpc": contracts("grpc"),
    },
  },
  test: {
    name: "server",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Fault-injection tests run in their own project (vitest.faults.config.ts).
    exclude: ["test/faults/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // PGlite boots in WebAssembly: a few suites at a time is faster on 2 cores than all at once.
    maxWorkers: 2,
    // Its own group (it differs in maxWorkers): runs after the other projects.
    sequence: { groupOrder: 1 },
  },
});
