import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "inference",
    root: new URL(".", import.meta.url).pathname,
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
