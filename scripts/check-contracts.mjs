#!/usr/bin/env node
// `pnpm check:contracts`: every gate that keeps the contracts honest.
//   1. buf lint and buf format          4. proto <-> OpenAPI consistency
//   2. buf breaking against the baseline 5. freshness: regenerating changes nothing
//   3. redocly lint of the OpenAPI document
// Usage: check-contracts.mjs [--root DIR] [--only lint,breaking,openapi,consistency,fresh]
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkConsistency, loadOpenApi, loadProtoRegistry } from "./lib/consistency.mjs";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const root = resolve(opt("--root") ?? repo);
const only = opt("--only")?.split(",");
const bin = (name) => join(repo, "node_modules/.bin", name);
const baseline = join(root, "proto/baseline.binpb");

const gates = {
  lint() {
    run(bin("buf"), ["lint"]);
    run(bin("buf"), ["format", "--diff", "--exit-code"]);
  },
  breaking() {
    if (!existsSync(baseline)) throw new GateError(`no baseline image at ${baseline}; create it with \`pnpm contracts:baseline\``);
    run(bin("buf"), ["breaking", "proto", "--against", baseline]);
  },
  openapi() {
    run(bin("redocly"), ["lint", "openapi/sovren.v1.yaml", "--format", "stylish"], {
      REDOCLY_TELEMETRY: "off",
      REDOCLY_SUPPRESS_UPDATE_NOTICE: "true",
    });
  },
  consistency() {
    const problems = checkConsistency(loadProtoRegistry(root, bin("buf")), loadOpenApi(root));
    if (problems.length) throw new GateError(`proto/ and openapi/ disagree (${problems.length}):\n  - ${problems.join("\n  - ")}`);
  },
  fresh() {
    run(process.execPath, [join(root, "scripts/generate.mjs")]);
    const status = execFileSync("git", ["status", "--porcelain", "--", "packages/contracts/src/gen"], { cwd: root }).toString();
    if (status.trim()) {
      const diff = execFileSync("git", ["diff", "--stat", "--", "packages/contracts/src/gen"], { cwd: root }).toString();
      throw new GateError(`generated code is stale; run \`pnpm generate\` and commit:\n${status}${diff}`);
    }
  },
};

class GateError extends Error {}

function run(cmd, argv, env = {}) {
  try {
    execFileSync(cmd, argv, { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  } catch (err) {
    const out = `${err.stdout ?? ""}${err.stderr ?? ""}`.trim();
    throw new GateError(`\`${[cmd.replace(`${repo}/node_modules/.bin/`, ""), ...argv].join(" ")}\` failed:\n${out}`);
  }
}

let failed = 0;
for (const [name, gate] of Object.entries(gates)) {
  if (only && !only.includes(name)) continue;
  try {
    gate();
    console.log(`ok   ${name}`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${name}: ${err instanceof GateError ? err.message : err.stack}`);
  }
}
process.exit(failed ? 1 : 0);
