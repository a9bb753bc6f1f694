// Faults against the real inference core: Triton stopped in the middle of a
// run of calls (breaker opens, clean 503s with Retry-After, no duplicate
// operation on an Idempotency-Key retry, recovery after the restart script),
// and the server killed with SIGKILL while a Ray job runs (the operation
// still completes, on the same job).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { Sovren } from "@sovren/sdk";
import { simulate } from "@sovren/server";
import { jobIdFor, RayJobsClient } from "../../src/index.js";
import { ROOT, script } from "./global-setup.js";
import { coreEnv, eventually, expectResult, rest, startCoreServer, token } from "./helpers.js";

const core = inject("core");

type Outcome = { kind: "succeeded" | "failed" | "refused"; code?: string; retryAfter?: string; at: number };

describe.skipIf(!core.enabled)("Triton stopped in the middle of a run of calls", () => {
  it("opens the breaker (503 + Retry-After, no row, key released), reports not ready, and recovers after a restart", async () => {
    // Long enough that the readiness, Connect and idempotency checks below all fall inside one
    // open period (a shorter one let a half-open probe through under CI load).
    const cooldownMs = 8_000;
    const s = await startCoreServer(coreEnv(core, { triton: "grpc" }, { SOVREN_BREAKER_COOLDOWN_MS: String(cooldownMs) }));
    try {
      const body = { userId: "u1", scenario: "fault run", seed: 3, trials: 2_000, mode: "SIMULATION_MODE_QUICK" };
      const expected = simulate(body);
      const call = async (headers: Record<string, string> = {}): Promise<Outcome> => {
        const res = await rest(s.server.url, s.token, "/v1/simulations:run", { json: body, headers });
        if (res.status === 503) {
          const problem = await res.json();
          expect(res.headers.get("content-type")).toBe("application/problem+json");
          expect(problem).toMatchObject({ status: 503, code: "unavailable" });
          expect(problem.detail).toMatch(/^inference backend triton-grpc is unavailable; retry after \d+ s$/);
          return { kind: "refused", retryAfter: res.headers.get("retry-after") ?? undefined, at: Date.now() };
        }
        expect(res.status).toBe(202);
        const op = await res.json();
        const done = await s.client.operations.wait(op.operationId, { pollInterval: 20 });
        if (done.state === "OPERATION_STATE_SUCCEEDED") {
          expectResult(done.result, expected as never);
          return { kind: "succeeded", at: Date.now() };
        }
        expect(done.state).toBe("OPERATION_STATE_FAILED");
        return { kind: "failed", code: done.error?.code, at: Date.now() };
      };
      const outcomes: Outcome[] = [];
      for (let i = 0; i < 3; i++) outcomes.push(await call());
      // Stop Triton with the project's script while the calls go on.
      let stopped = false;
      const stopping = script("stop-triton.sh", core.scriptEnv).then(() => (stopped = true));
      while (!stopped || outcomes.filter((o) => o.kind === "refused").length < 3) {
        outcomes.push(await call());
        await new Promise((r) => setTimeout(r, 50));
      }
      await stopping;
      const kinds = outcomes.map((o) => o.kind);
      expect(kinds.slice(0, 3)).toEqual(["succeeded", "succeeded", "succeeded"]);
      expect(kinds).toContain("failed");
      for (const o of outcomes.filter((o) => o.kind === "failed")) expect(o.code).toBe("unavailable");
      for (const o of outcomes.filter((o) => o.kind === "refused")) expect(Number(o.retryAfter)).toBeGreaterThanOrEqual(1);
      // Once open, the breaker lets at most one probe through per cool-down.
      const firstRefusal = kinds.indexOf("refused");
      const failedAfter = outcomes.slice(firstRefusal).filter((o) => o.kind === "failed");
      for (let i = 1; i < failedAfter.length; i++) expect(failedAfter[i]!.at - failedAfter[i - 1]!.at).toBeGreaterThanOrEqual(cooldownMs - 100);

      // Readiness names the backend.
      const ready = await (await fetch(`${s.server.url}/v1/health/ready`)).json();
      expect(ready.status).toBe("SERVING_STATUS_NOT_SERVING");
      expect(ready.dependencies.find((d: { name: string }) => d.name === "triton-grpc").status).toBe("SERVING_STATUS_NOT_SERVING");

      // Connect: code unavailable, Retry-After in the error's metadata (a response header for unary Connect).
      const connectRes = await fetch(`${s.server.url}/sovren.v1.SimulationService/RunSimulation`, {
        method: "POST",
        headers: { authorization: `Bearer ${s.token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(connectRes.status).toBe(503);
      expect((await connectRes.json()).code).toBe("unavailable");
      expect(Number(connectRes.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);

      // A refused request writes nothing; its Idempotency-Key is free for the retry.
      const count = async () => ((await (await rest(s.server.url, s.token, "/v1/operations?pageSize=100")).json()).operations as unknown[]).length;
      const before = await count();
      const key = `retry-${Date.now()}`;
      const refused = await rest(s.server.url, s.token, "/v1/simulations:run", { json: body, headers: { "idempotency-key": key } });
      expect(refused.status).toBe(503);
      expect(await count()).toBe(before);

      // Triton comes back (the project's start script); after the cool-down the probe closes the breaker.
      await script("start-triton.sh", core.scriptEnv);
      const retried = await eventually(async () => {
        const res = await rest(s.server.url, s.token, "/v1/simulations:run", { json: body, headers: { "idempotency-key": key } });
        if (res.status === 503) return undefined;
        expect(res.status).toBe(202);
        return res.json();
      }, 30_000, "the breaker to let the retry through");
      const done = await s.client.operations.wait(retried.operationId, { pollInterval: 20 });
      expect(done.state).toBe("OPERATION_STATE_SUCCEEDED");
      expectResult(done.result, expected as never);
      const replay = await rest(s.server.url, s.token, "/v1/simulations:run", { json: body, headers: { "idempotency-key": key } });
      expect((await replay.json()).operationId).toBe(retried.operationId);
      expect(await count()).toBe(before + 1);
      expect((await call()).kind).toBe("succeeded");
      const again = await (await fetch(`${s.server.url}/v1/health/ready`)).json();
      expect(again.status).toBe("SERVING_STATUS_SERVING");
    } finally {
      await s.close();
      await script("start-triton.sh", core.scriptEnv); // leave it running for the other suites
    }
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

const CLI = `${ROOT}packages/server/dist/cli.js`;

describe.skipIf(!core.enabled)("the server killed while the inference core runs its work", () => {
  const children: ChildProcess[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), "sovren-kill-"));
  const dirs = [dataDir];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function startChild(port: number, use: Parameters<typeof coreEnv>[1] = { jobs: true }, dir = dataDir): Promise<ChildProcess> {
    const child = spawn(process.execPath, [CLI, "serve"], {
      env: { ...process.env, ...coreEnv(core, use), PORT: String(port), HOST: "127.0.0.1", SOVREN_DATA_DIR: dir, SOVREN_LOG_LEVEL: "warn" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    child.stderr!.on("data", (d) => (err += d));
    children.push(child);
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}): ${err}`);
      return (await fetch(`http://127.0.0.1:${port}/v1/health`).catch(() => undefined))?.ok ? true : undefined;
    }, 60_000, "the server child process");
    return child;
  }

  it("re-attaches to the same Ray job after a restart and completes the operation", async () => {
    expect(existsSync(CLI), `${CLI} is missing: build first (pnpm build)`).toBe(true);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const client = new Sovren({ baseUrl: base, token: await token(), maxRetries: 5, logLevel: "off" });
    const jobs = new RayJobsClient(core.rayDashboard);
    const first = await startChild(port);
    const input = { userId: "u1", scenario: "Survive a crash", seed: 77, trials: 1_000_000, factors: Array.from({ length: 32 }, (_, i) => ({ name: `f${i}`, weight: 0.5, mean: 0.01 * i, stddev: 1 })) };
    const op = await client.simulations.run({ ...input, mode: "SIMULATION_MODE_BATCH" });
    expect(op.backend).toBe("ray-job");
    const id = jobIdFor(op.operationId);
    await eventually(async () => ((await jobs.info(id))?.status === "RUNNING" ? true : undefined), 30_000, "the job to run");
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));
    const before = (await jobs.info(id)) as { start_time?: number; status: string };
    await startChild(port);
    const done = await client.operations.wait(op.operationId, { pollInterval: 100, timeout: 60_000 });
    expect(done.state, JSON.stringify(done.error)).toBe("OPERATION_STATE_SUCCEEDED");
    expectResult(done.result, simulate(input) as never, "after the restart");
    // The same job, not a second one: same start time, and one job with this submission id.
    const after = (await jobs.info(id)) as { start_time?: number; status: string };
    expect(after.status).toBe("SUCCEEDED");
    expect(after.start_time).toBe(before.start_time);
    const all = (await (await fetch(`${core.rayDashboard}/api/jobs/`)).json()) as { submission_id: string }[];
    expect(all.filter((j) => j.submission_id === id)).toHaveLength(1);
  });

  // Issue 10: quick backends' operations are durable jobs too. Killed while
  // Triton or Ray Serve computes, the restarted server (PGlite: at once)
  // runs them again and they end with the clean run's results.
  for (const [label, use, backend] of [
    ["Triton (gRPC)", { triton: "grpc" }, "triton-grpc"],
    ["Ray Serve", { serve: true }, "ray-serve"],
  ] as const) {
    it(`resumes operations interrupted on ${label} after a restart, with the clean run's results`, async () => {
      expect(existsSync(CLI), `${CLI} is missing: build first (pnpm build)`).toBe(true);
      const dir = mkdtempSync(join(tmpdir(), "sovren-kill-"));
      dirs.push(dir);
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const client = new Sovren({ baseUrl: base, token: await token(), maxRetries: 5, logLevel: "off" });
      const first = await startChild(port, use, dir);
      const inputs = Array.from({ length: 4 }, (_, k) => ({
        userId: "u1",
        scenario: `Survive a crash on ${backend} #${k}`,
        seed: 100 + k,
        trials: 1_000_000,
        factors: Array.from({ length: 32 }, (_, i) => ({ name: `f${i}`, weight: 0.5, mean: 0.01 * i, stddev: 1 })),
      }));
      const ops = await Promise.all(inputs.map((input) => client.simulations.run({ ...input, mode: "SIMULATION_MODE_QUICK" })));
      for (const op of ops) expect(op.backend).toBe(backend);
      await eventually(async () => ((await client.operations.get(ops[0]!.operationId)).state === "OPERATION_STATE_RUNNING" ? true : undefined), 30_000, "the run to start");
      first.kill("SIGKILL");
      await new Promise((r) => first.once("exit", r));
      const killedAt = Date.now();
      await startChild(port, use, dir);
      const interrupted: string[] = [];
      for (const [k, op] of ops.entries()) {
        if (!(await client.operations.get(op.operationId)).done) interrupted.push(op.operationId);
        const done = await client.operations.wait(op.operationId, { pollInterval: 100, timeout: 120_000 });
        expect(done.state, JSON.stringify(done.error)).toBe("OPERATION_STATE_SUCCEEDED");
        expectResult(done.result, simulate(inputs[k]!) as never, `${backend} after the restart`);
      }
      console.log(`[inference] kill -9 on ${backend}: ${interrupted.length} of ${ops.length} interrupted, all succeeded ${Date.now() - killedAt} ms after the kill`);
      expect(interrupted.length).toBeGreaterThan(0);
    });
  }
});
