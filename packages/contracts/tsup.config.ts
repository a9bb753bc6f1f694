import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/proto.ts", "src/openapi.ts", "src/zod.ts", "src/zod-mini.ts", "src/inference.ts", "src/grpc.ts"],
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  treeshake: true,
  target: "es2022",
});
