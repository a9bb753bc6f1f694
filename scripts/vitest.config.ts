import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "contracts-gates",
    root: new URL(".", import.meta.url).pathname,
    include: ["**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
