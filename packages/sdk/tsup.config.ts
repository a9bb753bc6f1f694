import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "tsup";
import type { Plugin } from "esbuild";

// The CommonJS build loads msw lazily (src/testing/msw-runtime.cjs.ts): msw's
// own CommonJS build requires ESM-only packages, which Node < 20.19 cannot.
const cjsMswRuntime: Plugin = {
  name: "sovren-cjs-msw-runtime",
  setup(build) {
    // tsup builds CommonJS as ESM and converts it afterwards: tell by the extension.
    if (build.initialOptions.outExtension?.[".js"] !== ".cjs") return;
    build.onResolve({ filter: /\/msw-runtime\.js$/ }, () => ({
      path: fileURLToPath(new URL("src/testing/msw-runtime.cjs.ts", import.meta.url)),
    }));
  },
};

/**
 * The CommonJS build loads its lazy chunks (Connect, validators) with
 * `require`, not `import()`: an `import()` in CommonJS goes through Node's
 * ESM loader, which Jest's CommonJS runtime refuses without
 * --experimental-vm-modules. Every lazy chunk is our own `.cjs` file.
 */
function requireLazyChunks(): void {
  const dist = fileURLToPath(new URL("dist/", import.meta.url));
  for (const file of readdirSync(dist).filter((f) => f.endsWith(".cjs"))) {
    const code = readFileSync(dist + file, "utf8");
    const out = code.replace(/\bimport\((['"])(\.\/[\w.-]+\.cjs)\1\)/g, "Promise.resolve().then(() => require($1$2$1))");
    if (out !== code) writeFileSync(dist + file, out);
  }
}

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
  // Every dependency stays external; each must resolve to CommonJS under
  // `require` on every Node 20 release (no `require` of an ESM file: Node
  // < 20.19 cannot). test/package.test.ts checks it with --no-experimental-require-module.
  external: [/^@sovren\/contracts/, /^@connectrpc\//, /^@bufbuild\//, "openapi-fetch", "zod", "msw", /^node:/],
  esbuildPlugins: [cjsMswRuntime],
  onSuccess: async () => requireLazyChunks(),
});
