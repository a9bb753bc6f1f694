// SDK → reference server → the real inference core (Triton over gRPC and
// HTTP, Ray Serve, Ray Jobs), started by scripts/inference/*.sh in the global
// setup. Every backend must give the shared vectors' results within 1e-9.
import { inject, describe, expect, it, beforeAll, afterAll } from "vitest";
import { simulate } from "@sovren/server";
import { jobIdFor, RayJobsClient } from "../../src/index.js";
import { coreEnv, eventually, expectResult, rest, startCoreServer, VECTORS, type CoreServer } from "./helpers.js";

const core = inject("core");

describe.skipIf(!core.enabled)("SDK → server → inference core", () => {
  const servers: CoreServer[] = [];
  let grpc: CoreServer; // quick → Triton gRPC, batch → Ray Jobs
  let http: CoreServer; // quick → Triton HTTP
  let serve: CoreServer; // quick → Ray Serve
  const jobs = new RayJobsClient(core.rayDashboard);

  beforeAll(async () => {
    [grpc, http, serve] = await Promise.all([
      startCoreServer(coreEnv(core, { triton: "grpc", serve: true, jobs: true })),
      startCoreServer(coreEnv(core, { triton: "http" })),
      startCoreServer(coreEnv(core, { serve: true })),
    ]);
    servers.push(grpc, http, serve);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it("reports every configured backend in readiness", async () => {
    const ready = await (await fetch(`${grpc.server.url}/v1/health/ready`)).json();
    expect(ready.status).toBe("SERVING_STATUS_SERVING");
    expect(ready.dependencies.map((d: { name: string }) => d.name)).toEqual(["database", "triton-grpc", "ray-serve", "ray-job"]);
    for (const d of ready.dependencies) expect(d.status, `${d.name}: ${d.message}`).toBe("SERVING_STATUS_SERVING");
  });

  for (const [label, pick, backend] of [
    ["Triton over gRPC", () => grpc, "triton-grpc"],
    ["Triton over HTTP (binary tensors)", () => http, "triton-http"],
    ["Ray Serve", () => serve, "ray-serve"],
  ] as const) {
    it(`runs every shared vector on ${label}, equal to the embedded algorithm`, async () => {
      const { client } = pick();
      for (const v of VECTORS) {
        const op = await client.simulations.run({ userId: "u1", ...v.input, mode: "SIMULATION_MODE_QUICK" });
        expect(op.backend).toBe(backend);
        const done = await client.operations.wait(op.operationId, { pollInterval: 50 });
        expect(done.state, `${v.name}: ${JSON.stringify(done.error)}`).toBe("OPERATION_STATE_SUCCEEDED");
        expectResult(done.result, v.expected, `${backend} ${v.name}`);
        expectResult(simulate(v.input) as never, v.expected, `embedded ${v.name}`);
      }
    });
  }

  it("runs batch simulations as Ray jobs: progress through operations.watch, the vectors' results", async () => {
    const { client } = grpc;
    // One long job whose progress we watch…
    const big = { userId: "u1", scenario: "Enter every market at once", seed: 11, trials: 1_000_000, factors: Array.from({ length: 8 }, (_, i) => ({ name: `f${i}`, weight: 0.1 * (i + 1), mean: 0.05, stddev: 1 })) };
    const op = await client.simulations.run({ ...big, mode: "SIMULATION_MODE_BATCH" });
    expect(op.backend).toBe("ray-job");
    // …and every vector as a job of its own, at the same time (UNSPECIFIED with few trials would be quick: ask for BATCH).
    const vectorOps = await Promise.all(VECTORS.map((v) => client.simulations.run({ userId: "u1", ...v.input, mode: "SIMULATION_MODE_BATCH" })));
    const seen: { state: string; progress: number }[] = [];
    for await (const o of client.operations.watch(op.operationId)) {
      seen.push({ state: o.state, progress: o.progress });
      if (o.done) break;
    }
    const last = seen.at(-1)!;
    expect(last.state).toBe("OPERATION_STATE_SUCCEEDED");
    const partial = seen.filter((s) => s.state === "OPERATION_STATE_RUNNING" && s.progress > 0 && s.progress < 1);
    expect(partial.length, JSON.stringify(seen)).toBeGreaterThan(0);
    const progresses = seen.map((s) => s.progress);
    expect([...progresses].sort((a, b) => a - b)).toEqual(progresses); // never goes back
    const done = await client.operations.get(op.operationId);
    expectResult(done.result, simulate(big) as never, "big batch job");
    // Ray knows exactly this job, by the id derived from the operation.
    expect((await jobs.info(jobIdFor(op.operationId)))?.status).toBe("SUCCEEDED");
    const progressSeenByWait: number[] = [];
    for (const [i, v] of VECTORS.entries()) {
      const d = await client.operations.wait(vectorOps[i]!.operationId, { pollInterval: 100, onProgress: (o) => progressSeenByWait.push(o.progress) });
      expect(d.state, `${v.name}: ${JSON.stringify(d.error)}`).toBe("OPERATION_STATE_SUCCEEDED");
      expect(d.backend).toBe("ray-job");
      expectResult(d.result, v.expected, `ray-job ${v.name}`);
    }
    expect(progressSeenByWait.at(-1)).toBe(1);
  });

  it("routes UNSPECIFIED by trials: quick up to the threshold, a Ray job above it", async () => {
    const { client } = grpc;
    const small = await client.simulations.run({ userId: "u1", scenario: "small", trials: 100_000 });
    const large = await client.simulations.run({ userId: "u1", scenario: "large", trials: 100_001 });
    expect([small.backend, large.backend]).toEqual(["triton-grpc", "ray-job"]);
    for (const o of [small, large]) expect((await client.operations.wait(o.operationId, { pollInterval: 100 })).state).toBe("OPERATION_STATE_SUCCEEDED");
  });

  it("passes the trace context on to the Ray job", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const res = await rest(grpc.server.url, grpc.token, "/v1/simulations:run", {
      json: { userId: "u1", scenario: "traced", trials: 10, mode: "SIMULATION_MODE_BATCH" },
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(res.status).toBe(202);
    const hop = res.headers.get("traceparent")!;
    expect(hop).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const op = await res.json();
    const info = await eventually(async () => (await fetch(`${core.rayDashboard}/api/jobs/${jobIdFor(op.operationId)}`)).json().catch(() => undefined), 10_000, "the job");
    // Ray redacts env_vars (TRACEPARENT) in its API; the metadata carries the same value.
    expect(info.metadata).toMatchObject({ operation_id: op.operationId, tenant_id: "acme", traceparent: hop });
  });

  it("fails the operation with the job's own error when a Ray job fails", async () => {
    // The real job, with an input it refuses (the server validates requests, so force it in the entrypoint).
    const broken = await startCoreServer(
      coreEnv(core, { jobs: true }, { SOVREN_RAY_JOB_ENTRYPOINT: `SOVREN_JOB_INPUT='{"scenario":"x","trials":0}' python -m ray_job` }),
    );
    servers.push(broken);
    const op = await broken.client.simulations.run({ userId: "u1", scenario: "doomed", mode: "SIMULATION_MODE_BATCH" });
    const done = await broken.client.operations.wait(op.operationId, { pollInterval: 100 });
    expect(done.state).toBe("OPERATION_STATE_FAILED");
    expect(done.error).toEqual({ code: "invalid_argument", message: `Ray job ${jobIdFor(op.operationId)} failed: invalid input: trials must be an integer in 1..1000000, got 0` });
    // A job that crashes without its protocol line: exit code and last line, no file paths.
    const crashing = await startCoreServer(coreEnv(core, { jobs: true }, { SOVREN_RAY_JOB_ENTRYPOINT: "python -m no_such_sovren_module" }));
    servers.push(crashing);
    const op2 = await crashing.client.simulations.run({ userId: "u1", scenario: "doomed", mode: "SIMULATION_MODE_BATCH" });
    const done2 = await crashing.client.operations.wait(op2.operationId, { pollInterval: 100 });
    expect(done2.state).toBe("OPERATION_STATE_FAILED");
    expect(done2.error?.code).toBe("internal");
    expect(done2.error?.message).toContain("exit code 1");
    expect(done2.error?.message).toContain("No module named no_such_sovren_module");
    expect(done2.error?.message).not.toMatch(/\/(work|tmp|root|home)\//);
  });

  it("stops the Ray job when the operation is cancelled", async () => {
    const { client } = grpc;
    const op = await client.simulations.run({ userId: "u1", scenario: "cancel me", trials: 1_000_000, factors: Array.from({ length: 32 }, (_, i) => ({ name: `f${i}`, weight: 1, mean: 0, stddev: 1 })), mode: "SIMULATION_MODE_BATCH" });
    await eventually(async () => ((await jobs.info(jobIdFor(op.operationId)))?.status === "RUNNING" ? true : undefined), 20_000, "the job to run");
    const cancelled = await client.operations.cancel(op.operationId);
    expect(cancelled.state).toBe("OPERATION_STATE_CANCELLED");
    await eventually(async () => ((await jobs.info(jobIdFor(op.operationId)))?.status === "STOPPED" ? true : undefined), 20_000, "the job to stop");
    expect((await client.operations.get(op.operationId)).state).toBe("OPERATION_STATE_CANCELLED");
  });

  it("refuses input the server validates, before any backend sees it", async () => {
    const res = await rest(grpc.server.url, grpc.token, "/v1/simulations:run", { json: { userId: "u1", scenario: "x", trials: 0, mode: "SIMULATION_MODE_QUICK" } });
    expect(res.status).toBe(400);
    expect((await res.json()).code).toBe("invalid_argument");
  });

  it("gives a clear error for a model that is not loaded", async () => {
    const missing = await startCoreServer(coreEnv(core, { triton: "grpc" }, { SOVREN_TRITON_MODEL: "sovren_missing_model" }));
    servers.push(missing);
    const ready = await (await fetch(`${missing.server.url}/v1/health/ready`)).json();
    const dep = ready.dependencies.find((d: { name: string }) => d.name === "triton-grpc");
    expect(dep.status).toBe("SERVING_STATUS_NOT_SERVING");
    expect(dep.message).toContain("model sovren_missing_model is not ready (is it loaded?)");
    const op = await missing.client.simulations.run({ userId: "u1", scenario: "x", mode: "SIMULATION_MODE_QUICK" });
    const done = await missing.client.operations.wait(op.operationId, { pollInterval: 50 });
    expect(done.state).toBe("OPERATION_STATE_FAILED");
    expect(done.error).toEqual({ code: "unavailable", message: "Triton model sovren_missing_model is not ready (is it loaded?)" });
  });
});
