#!/usr/bin/env node
// Reads a schemathesis run's reports (junit XML + ndjson events, written by
// scripts/conformance/schemathesis.sh) and writes summary.json:
// {database, cases, failures, errors, durationSeconds, serverErrorLines, exitCode, ok}.
// Exits 0 only when the run passed, ran at least minCases cases, and the server
// logged no error-level line.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [out, database, exitCode, duration, errorLines, minCases] = process.argv.slice(2);
const log = readFileSync(join(out, "schemathesis.log"), "utf8");
// "Test cases:\n  1234 generated, 1234 passed[, N skipped]" or "N generated, N found M unique failures, ..."
const m = /Test cases:\s*\n\s*(\d+) generated,\s*([^\n]*)/.exec(log);
const cases = m ? Number(m[1]) : 0;
const rest = m?.[2] ?? "";
// Errors (the tool's own, e.g. a runtime error) and failures appear in the closing "=== … in Ns ===" line.
const closing = [...log.matchAll(/^=+ (.*) in [\d.]+s =+$/gm)].pop()?.[1] ?? "";
// "found 1 unique failure" (singular too), or the closing line's "1 failure".
const failures = Number(/found (\d+) unique failures?/.exec(rest)?.[1] ?? /(\d+) failures?/.exec(closing)?.[1] ?? /(\d+) failed/.exec(rest)?.[1] ?? 0);
const errors = Number(/(\d+) errors?/.exec(closing)?.[1] ?? /(\d+) errors?/.exec(rest)?.[1] ?? 0);
const junit = readdirSync(out).find((f) => f.startsWith("junit") && f.endsWith(".xml"));
const summary = {
  database,
  cases,
  failures,
  errors,
  durationSeconds: Number(duration),
  serverErrorLines: Number(errorLines),
  exitCode: Number(exitCode),
  junit: junit ? join(out, junit) : undefined,
  ok: false,
};
summary.ok = summary.exitCode === 0 && failures === 0 && errors === 0 && cases >= Number(minCases) && summary.serverErrorLines === 0;
writeFileSync(join(out, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
console.log(
  `schemathesis on ${database}: ${cases} cases, ${failures} failures, ${errors} errors, ${duration}s, ` +
    `${summary.serverErrorLines} server error lines, exit ${exitCode} → ${summary.ok ? "ok" : "FAILED"}`,
);
if (!summary.ok) {
  const tail = log.split("\n").slice(-60).join("\n");
  console.log(tail);
}
process.exit(summary.ok ? 0 : 1);
