// Batch simulations fan out as Ray tasks (inference/sovren_sim/fanout.py), on
// the Ray cluster the global setup starts with scripts/inference/start-ray.sh:
// the Python tests of the fan-out against that cluster (every vector, every
// chunking, every number of tasks in flight: the single-process result), and,
// through the reference server, a cancelled operation stops the job's running
// tasks and a failing task fails the operation with the task's error.
import { spawn } from "node:child_process";
import { afterAll, describe, expect, inject, it, onTestFinished } from "vitest";
import { jobIdFor, RayJobsClient } from "../../src/index.js";
import { ROOT } from "./global-setup.js";
import { coreEnv, eventually, startCoreServer, type CoreServer } from "./helpers.js";

const core = inject("core");

function pytest(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(`${ROOT}.venv/inference/bin/python`, ["-m", "pytest", "-q", "-p", "no:cacheprovider", ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}

/** The job's chunk tasks Ray's state API reports in `state`. */
async function chunkTasks(rayJobId: string, state: string): Promise<unknown[]> {
  const q = new URLSearchParams();
  for (const [k, v] of [["job_id", rayJobId], ["name", "chunk_task"], ["state", state]]) {
    q.append("filter_keys", k!);
    q.append("filter_predicates", "=");
    q.append("filter_values", v!);
  }
  q.set("limit", "1000");
  const res = await fetch(`${core.rayDashboard}/api/v0/tasks?${q}`);
  expect(res.status).toBe(200);
  return (await res.json()).data.result.result as unknown[];
}

describe.skipIf(!core.enabled)("Ray fan-out", () => {
  const servers: CoreServer[] = [];
  const jobs = new RayJobsClient(core.rayDashboard);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it("inference/tests/test_fanout.py passes against the real cluster (every vector, chunking and concurrency)", async () => {
    const { code, out } = await pytest(["inference/tests/test_fanout.py"], { ...core.scriptEnv, SOVREN_REQUIRE_SERVERS: "1" });
    expect(code, out).toBe(0);
    expect(out).toMatch(/\d+ passed/);
    expect(out).not.toMatch(/skipped|failed/);
  });

  it("cancelling the operation stops the job's running tasks", async () => {
    // Every task sleeps 60 s first (the job's test hook), so they are surely running when the operation is cancelled.
    const s = await startCoreServer(coreEnv(core, { jobs: true }, { SOVREN_RAY_JOB_ENTRYPOINT: "SOVREN_FANOUT_TASK_DELAY_S=60 python -m ray_job" }));
    servers.push(s);
    const op = await s.client.simulations.run({ userId: "u1", scenario: "cancel the fan-out", seed: 3, trials: 40_000, mode: "SIMULATION_MODE_BATCH" });
    expect(op.backend).toBe("ray-job");
    // Should an assertion fail, stop the job anyway: its sleeping tasks would hold the cluster's CPUs.
    onTestFinished(() => jobs.stop(jobIdFor(op.operationId)).then(() => undefined, () => undefined));
    const rayJobId = await eventually(async () => (await jobs.info(jobIdFor(op.operationId)))?.job_id ?? undefined, 60_000, "the Ray job id");
    await eventually(async () => ((await chunkTasks(rayJobId, "RUNNING")).length > 0 ? true : undefined), 60_000, "a running chunk task");
    const cancelledAt = Date.now();
    expect((await s.client.operations.cancel(op.operationId)).state).toBe("OPERATION_STATE_CANCELLED");
    await eventually(async () => ((await jobs.info(jobIdFor(op.operationId)))?.status === "STOPPED" ? true : undefined), 45_000, "the job to stop");
    await eventually(async () => ((await chunkTasks(rayJobId, "RUNNING")).length === 0 ? true : undefined), 45_000, "no running chunk task");
    // Stopped, not waited for: the tasks would have slept for 60 s.
    expect(Date.now() - cancelledAt).toBeLessThan(55_000);
    const logs = (await (await fetch(`${core.rayDashboard}/api/jobs/${jobIdFor(op.operationId)}/logs`)).json()).logs as string;
    expect(logs).toMatch(/sovren: stopped; cancelled [1-9]\d* running task\(s\)/);
    expect((await s.client.operations.get(op.operationId)).state).toBe("OPERATION_STATE_CANCELLED");
  });

  it("a failing task fails the operation with the task's error", async () => {
    const s = await startCoreServer(coreEnv(core, { jobs: true }, { SOVREN_RAY_JOB_ENTRYPOINT: "SOVREN_FANOUT_FAIL_CHUNK=1 python -m ray_job" }));
    servers.push(s);
    // 40,000 trials: chunks of 10,000 (at least 10,000 trials per task), so chunk 1 is trials 10000..19999.
    const op = await s.client.simulations.run({ userId: "u1", scenario: "a task fails", seed: 4, trials: 40_000, mode: "SIMULATION_MODE_BATCH" });
    const done = await s.client.operations.wait(op.operationId, { pollInterval: 100, timeout: 90_000 });
    expect(done.state).toBe("OPERATION_STATE_FAILED");
    expect(done.error).toEqual({
      code: "internal",
      message: `Ray job ${jobIdFor(op.operationId)} failed: internal error: the task for trials 10000..19999 failed: InjectedFailure: injected failure in the task for trials 10000..19999`,
    });
  });
});
