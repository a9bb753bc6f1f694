import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", node: "src/node.ts", rest: "src/rest.ts", testing: "src/testing.ts" },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  // Shared chunks keep one copy of the error classes and client per format,
  // so `instanceof` holds across `@sovren/sdk` and `@sovren/sdk/node`.
  splitting: true,
  treeshake: true,
  target: "es2022",
  platform: "neutral",
  external: [/^@sovren\/contracts/, /^@connectrpc\//, /^@bufbuild\//, "openapi-fetch", "zod", "msw", /^node:/],
});
