import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "sdk",
    root: new URL(".", import.meta.url).pathname,
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    typecheck: {
      enabled: true,
      include: ["test/**/*.test-d.ts"],
      tsconfig: "./tsconfig.json",
    },
  },
});
