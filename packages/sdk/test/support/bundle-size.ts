// min+gzip of a browser bundle of `export * from <spec>` (esbuild, minified
// ESM, code splitting), as bench/sdk-footprint.mjs measures it: "eager" is the
// entry chunk and the chunks it imports statically (what loads with the
// import), "all" every chunk (Connect and the validators load on first use).
import { build } from "esbuild";
import { gzipSync } from "node:zlib";

export interface BundleSize {
  eager: number;
  all: number;
  /** Every input file of the eager chunks. */
  eagerInputs: string[];
  code: string;
}

export async function bundleSize(spec: string, resolveDir: string): Promise<BundleSize> {
  const result = await build({
    stdin: { contents: `export * from ${JSON.stringify(spec)};`, resolveDir, sourcefile: "entry.mjs" },
    bundle: true,
    minify: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    outdir: "/virtual-out",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const byPath = new Map(result.outputFiles.map((f) => [f.path.slice(f.path.indexOf("/virtual-out/")), f.text]));
  const outputs = result.metafile.outputs;
  const key = (k: string) => k.slice(k.indexOf("virtual-out/") - 1);
  const entry = Object.keys(outputs).find((k) => outputs[k]!.entryPoint)!;
  const eager = new Set<string>();
  const visit = (k: string) => {
    if (eager.has(k)) return;
    eager.add(k);
    for (const i of outputs[k]!.imports) if (i.kind === "import-statement" && !i.external) visit(i.path);
  };
  visit(entry);
  const gzip = (keys: string[]) => gzipSync(keys.map((k) => byPath.get(key(k)) ?? "").join(""), { level: 9 }).length;
  const js = Object.keys(outputs).filter((k) => k.endsWith(".js"));
  return {
    eager: gzip([...eager]),
    all: gzip(js),
    eagerInputs: [...eager].flatMap((k) => Object.keys(outputs[k]!.inputs)),
    code: [...eager].map((k) => byPath.get(key(k)) ?? "").join("\n"),
  };
}
