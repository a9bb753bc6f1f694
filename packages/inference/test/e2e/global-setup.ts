// Starts the inference core for the end-to-end tests with the project's own
// scripts (scripts/inference/setup-python.sh, start-triton.sh, start-ray.sh)
// when SOVREN_INFERENCE_TESTS=1, and stops it afterwards. Without that
// variable nothing starts and the end-to-end suites skip (a machine with only
// Node has no Python environment).
//
// Ports: a block from SOVREN_INFERENCE_PORT_BASE (default 18100), not the
// scripts' defaults (8100…, 8265, 6390), so the tests never collide with a
// Triton or Ray a developer runs on those. SOVREN_INFERENCE_KEEP=1 leaves the
// servers running afterwards (a second run then reuses them: the scripts
// answer "already running").
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

export const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

export interface CoreUrls {
  enabled: boolean;
  reason: string;
  tritonHttp: string;
  tritonGrpc: string;
  rayServe: string;
  rayDashboard: string;
  /** Environment for scripts/inference/*.sh (the port block). */
  scriptEnv: Record<string, string>;
}

declare module "vitest" {
  export interface ProvidedContext {
    core: CoreUrls;
  }
}

export function portEnv(base: number): Record<string, string> {
  const p = (n: number) => String(base + n);
  return {
    SOVREN_TRITON_HTTP_PORT: p(0),
    SOVREN_TRITON_GRPC_PORT: p(1),
    SOVREN_TRITON_METRICS_PORT: p(2),
    SOVREN_RAY_SERVE_PORT: p(3),
    SOVREN_RAY_DASHBOARD_PORT: p(4),
    SOVREN_RAY_GCS_PORT: p(5),
    SOVREN_RAY_CLIENT_PORT: p(6),
    SOVREN_RAY_NODE_MANAGER_PORT: p(7),
    SOVREN_RAY_OBJECT_MANAGER_PORT: p(8),
    SOVREN_RAY_AGENT_GRPC_PORT: p(9),
    SOVREN_RAY_AGENT_HTTP_PORT: p(10),
    SOVREN_RAY_RUNTIME_ENV_PORT: p(11),
    SOVREN_RAY_METRICS_PORT: p(12),
    SOVREN_RAY_MIN_WORKER_PORT: p(100),
    SOVREN_RAY_MAX_WORKER_PORT: p(399),
    // 3 logical CPUs: the Serve replica holds one, so two fan-out tasks can run at once.
    SOVREN_RAY_NUM_CPUS: "3",
    SOVREN_SKIP_SETUP: "1",
  };
}

/** Runs a scripts/inference script; resolves with its output, rejects with it on a non-zero exit. */
export function script(name: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn("bash", [`${ROOT}scripts/inference/${name}`], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const line = `[inference] ${name}: exit ${code} in ${((Date.now() - started) / 1000).toFixed(1)} s`;
      console.log(line);
      code === 0 ? resolve(out) : reject(new Error(`${line}\n${out}`));
    });
  });
}

export default async function setup(project: TestProject) {
  const base = Number(process.env.SOVREN_INFERENCE_PORT_BASE ?? 18100);
  const env = portEnv(base);
  const host = "http://127.0.0.1";
  const core: CoreUrls = {
    enabled: process.env.SOVREN_INFERENCE_TESTS === "1",
    reason: "set SOVREN_INFERENCE_TESTS=1 to start Triton and Ray (scripts/inference/*.sh, needs Python 3.11) and run the end-to-end inference tests",
    tritonHttp: `${host}:${env.SOVREN_TRITON_HTTP_PORT}`,
    tritonGrpc: `${host}:${env.SOVREN_TRITON_GRPC_PORT}`,
    rayServe: `${host}:${env.SOVREN_RAY_SERVE_PORT}`,
    rayDashboard: `${host}:${env.SOVREN_RAY_DASHBOARD_PORT}`,
    scriptEnv: env,
  };
  project.provide("core", core);
  if (!core.enabled) return;
  const t0 = Date.now();
  await script("setup-python.sh", {});
  // Both at once: Triton takes ~5 s, Ray ~15-30 s.
  const [triton, ray] = await Promise.allSettled([script("start-triton.sh", env), script("start-ray.sh", env)]);
  const startedHere = {
    triton: triton.status === "fulfilled" && !triton.value.includes("already running"),
    ray: ray.status === "fulfilled" && !ray.value.includes("already running"),
  };
  const stop = async () => {
    if (process.env.SOVREN_INFERENCE_KEEP === "1") return;
    await Promise.allSettled([
      startedHere.triton || triton.status === "rejected" ? script("stop-triton.sh", env) : undefined,
      startedHere.ray || ray.status === "rejected" ? script("stop-ray.sh", env) : undefined,
    ]);
  };
  for (const r of [triton, ray]) {
    if (r.status === "rejected") {
      await stop();
      throw r.reason;
    }
  }
  console.log(`[inference] Triton and Ray ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (ports from ${base})`);
  return stop;
}
