// Offline deployment checks (scripts/deploy/check.sh): hadolint on the Dockerfiles, the Helm
// chart rendered by the real helm and validated against the Kubernetes schemas, the compose
// file against deploy/README.md. CI sets SOVREN_DEPLOY_TESTS=1 (.ci/run installs the tools
// with scripts/deploy/setup.sh first); elsewhere this skips, since it needs the Python venv
// and the helm binary.
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repo = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
const enabled = process.env.SOVREN_DEPLOY_TESTS === "1";

describe.skipIf(!enabled)("deployment files (offline: hadolint, helm template + kubernetes-validate, compose)", () => {
  it("scripts/deploy/check.sh passes every check", () => {
    const r = spawnSync("bash", [join(repo, "scripts/deploy/check.sh")], { encoding: "utf8", timeout: 110_000 });
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.status, out).toBe(0);
    const summary = /^(\d+) passed, (\d+) failed$/m.exec(r.stdout);
    expect(summary, out).not.toBeNull();
    expect(Number(summary![2]), out).toBe(0);
    // Every promised check ran (the count only grows when checks are added).
    expect(Number(summary![1]), out).toBeGreaterThanOrEqual(70);
    for (const line of ["hadolint Dockerfile: no finding", "helm lint --strict", "valid against the Kubernetes 1.33.0 schema", "compose: services server, postgres, redis, triton, ray"]) {
      expect(out).toContain(line);
    }
  });
});
