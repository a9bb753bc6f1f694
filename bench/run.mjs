#!/usr/bin/env node
// `pnpm bench` (full, ~8 minutes; writes BENCHMARKS.md) and `pnpm bench:smoke`
// (every benchmark for a moment; writes bench/.cache/BENCHMARKS.smoke.md and
// never judges absolute numbers: exit 0 unless a benchmark crashes).
// Options: --smoke, --only=sdk,peer,server,inference,size,footprint (comma list), --db=pglite,postgres
import { execSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { BENCH_DIR, ROOT, SERVER_CLI } from "./lib.mjs";
import { ceiling, inference, peerComparison, sdkOverhead, serverThroughput, sizeAndStartup } from "./sections.mjs";
import { render } from "./report.mjs";

const args = process.argv.slice(2);
const smoke = args.includes("--smoke");
const opt = (name) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1]?.split(",");
// footprint (bench/sdk-footprint.mjs) installs anchors from the npm registry: full runs only.
const only = new Set(opt("only") ?? ["sdk", "peer", "server", "inference", "size", ...(smoke ? [] : ["footprint"])]);
const dbs = opt("db") ?? ["pglite", "postgres"];

const cfg = smoke
  ? { smoke, concurrency: [4], duration: 0.25, warmup: 0.1, rounds: 1, drainMs: 100, sdkCalls: 30, sdkWarmup: 10, inferCalls: 5, inferWarmup: 2, startRounds: 1, startInference: false, peerConcurrency: [8], commissionConcurrency: [8], peerDuration: 1, peerWarmup: 1, peerWorkers: 2 }
  : { smoke, concurrency: [1, 32, 256], duration: 1.5, warmup: 0.5, rounds: 3, drainMs: 1000, sdkCalls: 2000, sdkWarmup: 500, inferCalls: 100, inferWarmup: 20, startRounds: 3, startInference: process.env.BENCH_START_INFERENCE !== "0", peerConcurrency: [1, 32, 128], commissionConcurrency: [32], peerDuration: 3, peerWarmup: 1, peerWorkers: 2 };
for (const k of ["duration", "warmup", "rounds"]) if (process.env[`BENCH_${k.toUpperCase()}`]) cfg[k] = Number(process.env[`BENCH_${k.toUpperCase()}`]);
if (process.env.BENCH_PEER_CONCURRENCY) cfg.peerConcurrency = process.env.BENCH_PEER_CONCURRENCY.split(",").map(Number);
if (process.env.BENCH_PEER_DURATION) cfg.peerDuration = Number(process.env.BENCH_PEER_DURATION);
if (process.env.BENCH_CONCURRENCY) cfg.concurrency = process.env.BENCH_CONCURRENCY.split(",").map(Number);

const log = (m) => console.log(m);
if (!existsSync(SERVER_CLI)) {
  console.error("packages/server/dist is missing: run `pnpm build` first");
  process.exit(2);
}

const sh = (c) => {
  try {
    return execSync(c, { cwd: ROOT, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
  } catch {
    return "";
  }
};
const meta = {
  date: new Date().toISOString(),
  commit: sh("git rev-parse --short HEAD") + (sh("git status --porcelain -- packages bench") ? " (+ uncommitted changes)" : ""),
  machine: `${os.cpus()[0]?.model.trim()} × ${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node.js ${process.version}`,
  postgres: sh(`psql "${process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test"}" -Atc "show server_version"`) || "unknown",
  workers: process.env.SOVREN_WORKERS ?? "(default)",
  loadBefore: os.loadavg()[0],
  cfg,
};

const t0 = performance.now();
const results = { meta };
const step = async (key, title, fn) => {
  if (!only.has(key)) return;
  const t = performance.now();
  log(`== ${title}`);
  results[key] = await fn();
  log(`   ${((performance.now() - t) / 1000).toFixed(1)} s`);
};

try {
  await step("sdk", "1. SDK overhead", () => sdkOverhead(cfg));
  await step("peer", "2a. Server vs the lean peer and the ceiling (PostgreSQL)", () => peerComparison(cfg, log));
  await step("server", "2. Server throughput", async () => {
    const out = { ceiling: await ceiling(cfg, log) };
    for (const db of dbs) out[db] = await serverThroughput(cfg, db, { log });
    return out;
  });
  await step("inference", "3. Inference pass-through", () => inference(cfg, log));
  await step("size", "4. Size and start-up", () => sizeAndStartup(cfg, log));
  // Writes its own section of BENCHMARKS.md (bench/sdk-footprint.mjs).
  await step("footprint", "5. SDK footprint (packed tarballs in a fresh app)", async () => (await import("./sdk-footprint.mjs")).sdkFootprint(cfg, log));
} catch (err) {
  console.error(err);
  process.exit(1);
}
meta.seconds = (performance.now() - t0) / 1000;
meta.loadAfter = os.loadavg()[0];

mkdirSync(path.join(BENCH_DIR, ".cache"), { recursive: true });
writeFileSync(path.join(BENCH_DIR, ".cache", smoke ? "results.smoke.json" : "results.json"), JSON.stringify(results, null, 2));
const table = render(results);
// Only a full run replaces BENCHMARKS.md; a smoke or --only run writes beside it, so a partial
// run never drops the other sections from the record.
const partial = opt("only") !== undefined;
const target = smoke
  ? path.join(BENCH_DIR, ".cache/BENCHMARKS.smoke.md")
  : partial
    ? path.join(BENCH_DIR, ".cache/BENCHMARKS.partial.md")
    : path.join(ROOT, "BENCHMARKS.md");
const BEGIN = "<!-- bench:begin (generated by `pnpm bench`; edit outside these markers) -->";
const END = "<!-- bench:end -->";
let doc = existsSync(target) ? readFileSync(target, "utf8") : `# Benchmarks\n\n${BEGIN}\n${END}\n`;
if (!doc.includes(BEGIN)) doc = `${doc.trimEnd()}\n\n${BEGIN}\n${END}\n`;
doc = doc.slice(0, doc.indexOf(BEGIN) + BEGIN.length) + `\n${table}\n` + doc.slice(doc.indexOf(END));
writeFileSync(target, doc);
log(`wrote ${path.relative(ROOT, target)} in ${meta.seconds.toFixed(0)} s`);
