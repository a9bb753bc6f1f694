#!/usr/bin/env node
// Prints the one plain line CI reads, built from vitest's JSON report:
// "N passed, N failed, N skipped". Exits 1 when the report is missing or
// recorded no test at all, so a run that ran nothing is never green.
import { existsSync, readFileSync } from "node:fs";

const file = process.argv[2] ?? ".cache/vitest.json";
if (!existsSync(file)) {
  console.log("0 passed, 1 failed");
  console.error(`no test report at ${file}`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, "utf8"));
const passed = report.numPassedTests ?? 0;
// Suites that failed to load count as failures too.
const failed = (report.numFailedTests ?? 0) + (report.testResults ?? []).filter((r) => r.status === "failed" && (r.assertionResults ?? []).length === 0).length;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
