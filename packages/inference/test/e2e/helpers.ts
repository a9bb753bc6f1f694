// Shared pieces of the end-to-end tests: the reference server in front of the
// real inference core, an SDK client for it, the shared vectors.
import { readFileSync } from "node:fs";
import { Sovren } from "@sovren/sdk";
import { DEV_JWT_SECRET, mintToken, startServer, type RunningServer } from "@sovren/server";
import { expect } from "vitest";
import { ROOT, type CoreUrls } from "./global-setup.js";

export interface Vector {
  name: string;
  input: { scenario: string; seed?: number; trials?: number; threshold?: number; factors?: { name: string; weight: number; mean: number; stddev: number }[] };
  expected: { outcome: string; confidence: number; expectedValue: number; stddev: number; p05: number; p95: number; trials: number; seed: number };
}

export const VECTORS: Vector[] = JSON.parse(readFileSync(`${ROOT}inference/vectors.json`, "utf8"));

/** Same outcome, trials and seed; every double within 1e-9. */
export function expectResult(got: Record<string, unknown> | undefined, expected: Vector["expected"], what = "") {
  expect(got, what).toBeDefined();
  expect({ outcome: got!.outcome, trials: got!.trials, seed: got!.seed }, what).toEqual({ outcome: expected.outcome, trials: expected.trials, seed: expected.seed });
  for (const k of ["confidence", "expectedValue", "stddev", "p05", "p95"] as const) {
    expect(Math.abs((got![k] as number) - expected[k]), `${what} ${k}`).toBeLessThanOrEqual(1e-9);
  }
}

/** The server's environment for the inference core of the tests. */
export function coreEnv(core: CoreUrls, use: { triton?: "grpc" | "http"; serve?: boolean; jobs?: boolean }, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SOVREN_INFERENCE_BACKEND: "core",
    ...(use.triton === "grpc" ? { SOVREN_TRITON_GRPC_URL: core.tritonGrpc, SOVREN_TRITON_PROTOCOL: "grpc" } : {}),
    ...(use.triton === "http" ? { SOVREN_TRITON_URL: core.tritonHttp, SOVREN_TRITON_PROTOCOL: "http" } : {}),
    ...(use.serve ? { SOVREN_RAY_SERVE_URL: core.rayServe } : {}),
    ...(use.jobs ? { SOVREN_RAY_DASHBOARD_URL: core.rayDashboard } : {}),
    SOVREN_LOG_LEVEL: "silent",
    ...extra,
  };
}

export interface CoreServer {
  server: RunningServer;
  client: Sovren;
  token: string;
  close(): Promise<void>;
}

export async function token(tenant = "acme"): Promise<string> {
  return mintToken({ secret: DEV_JWT_SECRET, audience: "sovren", tenantId: tenant, roles: ["admin"], ttlSeconds: 1800, subject: `user-${tenant}` });
}

/** The reference server in-process (PGlite in memory) with the given environment, and an SDK client (REST). */
export async function startCoreServer(env: Record<string, string>, tenant = "acme"): Promise<CoreServer> {
  const server = await startServer({ env: { SOVREN_LOG_LEVEL: "silent", ...env }, port: 0, host: "127.0.0.1", rateLimitRps: 100_000, rateLimitBurst: 100_000 });
  const t = await token(tenant);
  const client = new Sovren({ baseUrl: server.url, token: t, maxRetries: 0, logLevel: "off" });
  return { server, client, token: t, close: () => server.close() };
}

export function rest(base: string, tok: string, path: string, init: { method?: string; json?: unknown; headers?: Record<string, string> } = {}) {
  return fetch(`${base}${path}`, {
    method: init.method ?? (init.json !== undefined ? "POST" : "GET"),
    headers: { authorization: `Bearer ${tok}`, "content-type": "application/json", ...init.headers },
    body: init.json !== undefined ? JSON.stringify(init.json) : undefined,
  });
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
