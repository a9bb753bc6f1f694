#!/usr/bin/env node
// The SDK's footprint as a tenant app gets it: the packed tarballs of
// @sovren/contracts and @sovren/sdk installed with npm into a fresh app
// outside the repository (no lockfile: a fresh resolution), next to the
// anchors `openai`, `openapi-fetch` and `@connectrpc/connect-web`, all
// measured in the same run:
//   - import CPU: `import()` of each package in a fresh Node.js process,
//     user+system CPU of the process minus that of a bare process; several
//     rounds, interleaved, median;
//   - min+gzip: esbuild (`export * from`, minified ESM, platform browser,
//     gzip -9). The SDK loads Connect/protobuf and its validators lazily, so
//     it is bundled with code splitting and reported twice: what loads with
//     the entry ("eager") and every chunk ("all").
// Usage: node bench/sdk-footprint.mjs [--smoke] [--rounds=N] [--no-write]
// (`pnpm build` first). Called by bench/run.mjs as section 5. Writes its own
// section of BENCHMARKS.md (between the sdk-footprint markers) on a full run.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(BENCH_DIR, "..");
const esbuild = createRequire(path.join(ROOT, "packages/sdk/package.json"))("esbuild");

/**
 * The anchors, pinned so that runs compare like with like (bump deliberately):
 * openai 6.49.0 is the release issue 11 measured; connect-web 2.2.0 is the
 * newest, which also shows whether the SDK shares the app's connect-es copy.
 */
export const ANCHORS = { openai: "6.49.0", "openapi-fetch": "0.17.0", "@connectrpc/connect-web": "2.2.0" };
const SDK_SPECS = ["@sovren/sdk", "@sovren/sdk/rest", "@sovren/sdk/node"];
const ANCHOR_SPECS = ["openai", "openapi-fetch", "@connectrpc/connect-web"];
/** The issue's goals (min+gzip bytes; import CPU in ms). */
export const GOALS = { restBytes: 20_000, mainBytes: 40_000, restImportMs: 30 };

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function pnpm(args, cwd) {
  const viaPath = spawnSync("pnpm", ["--version"], { stdio: "ignore" }).status === 0;
  const [cmd, pre] = viaPath ? ["pnpm", []] : ["npx", ["-y", "pnpm@10.34.9"]];
  execFileSync(cmd, [...pre, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
}

/** Packs the two packages (pnpm pack rewrites `workspace:*`) and npm-installs them with the anchors into a fresh app. */
export function freshApp(log = () => {}) {
  for (const pkg of ["contracts", "sdk"]) {
    if (!existsSync(path.join(ROOT, "packages", pkg, "dist"))) throw new Error(`packages/${pkg}/dist is missing: run \`pnpm build\` first`);
  }
  const app = mkdtempSync(path.join(os.tmpdir(), "sovren-footprint-"));
  for (const pkg of ["contracts", "sdk"]) pnpm(["pack", "--pack-destination", app], path.join(ROOT, "packages", pkg));
  const tarballs = readdirSync(app).filter((f) => f.endsWith(".tgz")).map((f) => path.join(app, f));
  writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "footprint-app", private: true, type: "module" }));
  const anchors = Object.entries(ANCHORS).map(([name, v]) => `${name}@${v}`);
  log(`  npm install ${tarballs.map((t) => path.basename(t)).join(" ")} ${anchors.join(" ")}`);
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--no-package-lock", ...tarballs, ...anchors], { cwd: app, stdio: ["ignore", "pipe", "pipe"] });
  const version = (name) => JSON.parse(readFileSync(path.join(app, "node_modules", name, "package.json"), "utf8")).version;
  const resolved = Object.fromEntries(["@sovren/sdk", "zod", "openapi-fetch", "@connectrpc/connect", "@connectrpc/connect-web", "@bufbuild/protobuf", "openai"].map((n) => [n, version(n)]));
  return { app, resolved };
}

/** CPU (user+system, ms) of a fresh process that imports `spec` (nothing for the bare process). */
function importCpu(app, spec) {
  const code = `${spec ? `await import(${JSON.stringify(spec)});` : ""}const u = process.cpuUsage(); console.log((u.user + u.system) / 1000);`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", code], { cwd: app, encoding: "utf8" });
  return Number(out.trim());
}

export function measureImports(app, rounds) {
  const specs = [null, ...SDK_SPECS, ...ANCHOR_SPECS];
  const samples = new Map(specs.map((s) => [s, []]));
  importCpu(app, "@sovren/sdk"); // warm the file system cache once
  // Interleaved, so that a busy moment of the machine spreads over every package.
  for (let r = 0; r < rounds; r++) for (const spec of specs) samples.get(spec).push(importCpu(app, spec));
  const bare = median(samples.get(null));
  return {
    bareMs: bare,
    rows: specs.filter(Boolean).map((spec) => {
      const xs = samples.get(spec).map((x) => x - bare);
      return { spec, overBareMs: median(xs), minMs: Math.min(...xs), maxMs: Math.max(...xs), n: xs.length };
    }),
  };
}

/** min+gzip of `export * from spec`: eager (entry and its static imports) and all chunks. */
export async function bundleSize(app, spec) {
  const outdir = path.join(app, ".out");
  const r = await esbuild.build({
    stdin: { contents: `export * from ${JSON.stringify(spec)};`, resolveDir: app, sourcefile: "entry.mjs" },
    bundle: true, minify: true, splitting: true, format: "esm", platform: "browser", outdir, write: false, metafile: true, logLevel: "silent",
  });
  const text = new Map(r.outputFiles.map((f) => [path.relative(app, f.path), f.contents]));
  const outputs = r.metafile.outputs;
  const entry = Object.keys(outputs).find((k) => outputs[k].entryPoint);
  const eager = new Set();
  const visit = (k) => {
    if (eager.has(k)) return;
    eager.add(k);
    for (const i of outputs[k].imports) if (i.kind === "import-statement" && !i.external) visit(i.path);
  };
  visit(entry);
  const size = (keys) => {
    const parts = keys.map((k) => text.get(path.relative(app, path.resolve(ROOT, k))) ?? text.get(k)).filter(Boolean);
    const joined = Buffer.concat(parts.map((p) => Buffer.from(p)));
    return { min: joined.length, gzip: gzipSync(joined, { level: 9 }).length };
  };
  const js = Object.keys(outputs).filter((k) => k.endsWith(".js"));
  return { spec, eager: size([...eager]), all: size(js), chunks: js.length };
}

function render(result) {
  const n = (x) => Math.round(x).toLocaleString("en-US");
  const ms = (x) => x.toFixed(1);
  const lines = [];
  lines.push(`Run ${result.date} on ${result.machine}; commit ${result.commit}. Fresh app: \`npm install\` of the packed tarballs (no lockfile) with ${Object.entries(ANCHORS).map(([k, v]) => `${k}@${v}`).join(", ")}; resolved ${Object.entries(result.resolved).map(([k, v]) => `${k} ${v}`).join(", ")}.`);
  lines.push("");
  lines.push(`| import in a fresh Node.js process (CPU over bare Node, ${result.imports.rows[0].n} rounds interleaved) | median ms | min–max ms |`);
  lines.push("|---|---|---|");
  lines.push(`| bare \`node\` (absolute) | ${ms(result.imports.bareMs)} | |`);
  for (const r of result.imports.rows) lines.push(`| \`${r.spec}\` | ${ms(r.overBareMs)} | ${ms(r.minMs)}–${ms(r.maxMs)} |`);
  lines.push("");
  lines.push("| esbuild `export * from`, minified ESM, platform browser, gzip -9 | eager min+gzip B | all chunks min+gzip B | all chunks min B |");
  lines.push("|---|---|---|---|");
  for (const s of result.sizes) lines.push(`| \`${s.spec}\` | ${n(s.eager.gzip)} | ${n(s.all.gzip)} | ${n(s.all.min)} |`);
  lines.push("");
  const get = (spec) => result.imports.rows.find((r) => r.spec === spec);
  const size = (spec) => result.sizes.find((s) => s.spec === spec);
  const verdict = (ok) => (ok ? "met" : "**missed**");
  lines.push("| goal | target | measured | |");
  lines.push("|---|---|---|---|");
  lines.push(`| import CPU of \`@sovren/sdk\` ≤ \`openai\`'s | ≤ ${ms(get("openai").overBareMs)} ms | ${ms(get("@sovren/sdk").overBareMs)} ms | ${verdict(get("@sovren/sdk").overBareMs <= get("openai").overBareMs)} |`);
  lines.push(`| import CPU of \`@sovren/sdk/rest\` over bare Node | ≤ ${GOALS.restImportMs} ms | ${ms(get("@sovren/sdk/rest").overBareMs)} ms | ${verdict(get("@sovren/sdk/rest").overBareMs <= GOALS.restImportMs)} |`);
  for (const [spec, goal] of [["@sovren/sdk/rest", GOALS.restBytes], ["@sovren/sdk", GOALS.mainBytes]]) {
    const s = size(spec);
    lines.push(`| \`${spec}\` min+gzip, eager | ≤ ${n(goal)} B | ${n(s.eager.gzip)} B | ${verdict(s.eager.gzip <= goal)} |`);
    lines.push(`| \`${spec}\` min+gzip, all chunks | ≤ ${n(goal)} B | ${n(s.all.gzip)} B | ${verdict(s.all.gzip <= goal)} |`);
  }
  return lines.join("\n");
}

const BEGIN = "<!-- sdk-footprint:begin (generated by `node bench/sdk-footprint.mjs`; edit outside these markers) -->";
const END = "<!-- sdk-footprint:end -->";

/** Section 5 of `pnpm bench`: returns the results and, on a full run, rewrites its block of BENCHMARKS.md. */
export async function sdkFootprint(cfg = {}, log = () => {}) {
  const rounds = cfg.footprintRounds ?? (cfg.smoke ? 2 : 9);
  const { app, resolved } = freshApp(log);
  try {
    const imports = measureImports(app, rounds);
    const sizes = [];
    // `@sovren/sdk/node` is for Node only (node:http2): no browser bundle.
    for (const spec of [...SDK_SPECS.filter((s) => s !== "@sovren/sdk/node"), ...ANCHOR_SPECS]) sizes.push(await bundleSize(app, spec));
    const git = (args) => spawnSync("git", args, { cwd: ROOT, encoding: "utf8" }).stdout?.trim() ?? "";
    const result = {
      date: new Date().toISOString(),
      machine: `${os.cpus()[0]?.model.trim()} × ${os.cpus().length}, Node.js ${process.version}, load ${os.loadavg()[0].toFixed(2)}`,
      commit: git(["rev-parse", "--short", "HEAD"]) + (git(["status", "--porcelain", "--untracked-files=no", "--", "packages"]) ? " (+ uncommitted changes)" : ""),
      resolved,
      imports,
      sizes,
    };
    result.markdown = render(result);
    mkdirSync(path.join(BENCH_DIR, ".cache"), { recursive: true });
    writeFileSync(path.join(BENCH_DIR, ".cache", cfg.smoke ? "sdk-footprint.smoke.json" : "sdk-footprint.json"), JSON.stringify(result, null, 2));
    if (!cfg.smoke && cfg.write !== false) {
      const file = path.join(ROOT, "BENCHMARKS.md");
      const doc = readFileSync(file, "utf8");
      const block = `${BEGIN}\n${result.markdown}\n${END}`;
      writeFileSync(
        file,
        doc.includes(BEGIN) ? doc.slice(0, doc.indexOf(BEGIN)) + block + doc.slice(doc.indexOf(END) + END.length) : `${doc.trimEnd()}\n\n## SDK footprint (issue 11)\n\n${block}\n`,
      );
      log("  wrote the SDK footprint section of BENCHMARKS.md");
    }
    return result;
  } finally {
    if (!process.env.FOOTPRINT_KEEP_APP) rmSync(app, { recursive: true, force: true });
    else log(`  kept the app in ${app}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const rounds = args.find((a) => a.startsWith("--rounds="))?.split("=")[1];
  const result = await sdkFootprint(
    { smoke: args.includes("--smoke"), write: !args.includes("--no-write"), ...(rounds ? { footprintRounds: Number(rounds) } : {}) },
    console.log,
  );
  console.log(result.markdown);
}
