#!/usr/bin/env node
// Prints the one plain line CI reads, built from vitest's JSON report:
// "N passed, N failed, N skipped". Exits 1 when the report is missing or
// recorded no test at all, so a run that ran nothing is never green.
import { existsSync, readFileSync } from "node:fs";

const file = process.argv[2] ?? ".cache/vitest.json";
// The runner's exit code (.ci/run passes it): vitest exits 1 on unhandled errors
// even when every test passed, and the JSON report does not count them.
const runnerExit = Number(process.argv[3] ?? 0);
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
// Name every failure before the plain line, so a red run says what to fix.
for (const r of report.testResults ?? []) {
  const failures = (r.assertionResults ?? []).filter((a) => a.status === "failed");
  if (r.status === "failed" && failures.length === 0) {
    console.log(`FAILED (suite did not load) ${r.name}: ${String(r.message ?? "").split("\n")[0]}`);
  }
  for (const a of failures) {
    const first = String((a.failureMessages ?? [])[0] ?? "").split("\n")[0].slice(0, 300);
    console.log(`FAILED ${r.name} > ${a.fullName ?? a.title}: ${first}`);
  }
}
let counted = failed;
if (runnerExit !== 0 && failed === 0) {
  console.log(`FAILED the test runner exited ${runnerExit} with no failed test: unhandled errors (see "Unhandled Errors" in its output)`);
  counted = 1;
}
console.log(`${passed} passed, ${counted} failed, ${skipped} skipped`);
process.exit(counted > 0 || passed === 0 ? 1 : 0);
