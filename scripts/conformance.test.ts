// Third-party conformance: schemathesis (pinned, scripts/conformance/) with
// every check against the built reference server, on PGlite and on a fresh
// PostgreSQL database. CI sets SOVREN_CONFORMANCE_TESTS=1 (.ci/run); elsewhere
// these skip, since they need the built server and the Python venv and take a
// minute or more each. Each run must pass with at least 1,000 cases and leave
// no error-level line in the server's log.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repo = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
const enabled = process.env.SOVREN_CONFORMANCE_TESTS === "1";
const MIN_CASES = 1000;

function postgresUp(): boolean {
  try {
    execFileSync("psql", [process.env.SOVREN_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test", "-qAtc", "SELECT 1"], { stdio: "ignore", timeout: 5000 });
    return true;
  } catch {
    if (process.env.SOVREN_REQUIRE_POSTGRES === "1") throw new Error("SOVREN_REQUIRE_POSTGRES=1 but PostgreSQL is unreachable");
    return false;
  }
}

interface Summary {
  database: string;
  cases: number;
  failures: number;
  errors: number;
  durationSeconds: number;
  serverErrorLines: number;
  exitCode: number;
  ok: boolean;
}

function run(database: "pglite" | "postgres"): Summary {
  const out = join(repo, ".cache/conformance", database);
  const r = spawnSync("bash", [join(repo, "scripts/conformance/schemathesis.sh"), database], {
    cwd: repo,
    env: { ...process.env, OUT: out },
    encoding: "utf8",
    timeout: 510_000,
  });
  const file = join(out, "summary.json");
  if (!existsSync(file)) throw new Error(`schemathesis.sh wrote no summary (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  const summary = JSON.parse(readFileSync(file, "utf8")) as Summary;
  // Shown in CI's log: the figures of each run.
  console.log(r.stdout.split("\n")[0]);
  if (!summary.ok) console.log(r.stdout);
  return summary;
}

describe.skipIf(!enabled)("schemathesis conformance (skipped unless SOVREN_CONFORMANCE_TESTS=1, which .ci/run sets: needs the built server and the Python venv)", () => {
  it.each(["pglite", "postgres"] as const)(
    "all checks pass against the built server on %s, with at least 1,000 cases and no server error line",
    (database) => {
      if (database === "postgres" && !postgresUp()) return;
      const s = run(database);
      expect(s.failures, "schemathesis failures").toBe(0);
      expect(s.errors, "schemathesis errors").toBe(0);
      expect(s.exitCode, "schemathesis exit code").toBe(0);
      expect(s.cases).toBeGreaterThanOrEqual(MIN_CASES);
      expect(s.serverErrorLines, "error-level lines in the server log").toBe(0);
    },
    540_000,
  );
});
