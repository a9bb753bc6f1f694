// Inference configuration (SOVREN_INFERENCE_BACKEND, SOVREN_TRITON_*,
// SOVREN_RAY_*) and per-simulation routing, without any server running.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../config.js";
import { createLogger } from "../observability/logger.js";
import { InferenceRouter } from "./router.js";

const router = (env: Record<string, string>) => new InferenceRouter(loadConfig(env).inference, createLogger("silent"));
const configError = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected a ConfigError");
};

describe("inference configuration", () => {
  it("is embedded when nothing is configured, and core as soon as a URL is", () => {
    expect(loadConfig({}).inference.mode).toBe("embedded");
    const r = router({});
    expect([r.quick.name, r.batch.name]).toEqual(["embedded", "embedded"]);
    expect(loadConfig({ SOVREN_TRITON_GRPC_URL: "http://127.0.0.1:8101" }).inference).toMatchObject({
      mode: "core",
      triton: { protocol: "grpc", url: "http://127.0.0.1:8101", model: "sovren_simulation" },
    });
  });

  it("routes quick to Triton (else Ray Serve), batch to Ray Jobs (else the quick backend), UNSPECIFIED by trials", () => {
    const all = router({
      SOVREN_TRITON_URL: "http://t:8100",
      SOVREN_TRITON_GRPC_URL: "http://t:8101",
      SOVREN_TRITON_PROTOCOL: "http",
      SOVREN_RAY_SERVE_URL: "http://r:8200",
      SOVREN_RAY_DASHBOARD_URL: "http://r:8265",
    });
    expect(all.backends.map((b) => b.name)).toEqual(["triton-http", "ray-serve", "ray-job"]);
    expect(all.route({ mode: "SIMULATION_MODE_QUICK", trials: 1_000_000 }).name).toBe("triton-http");
    expect(all.route({ mode: "SIMULATION_MODE_BATCH", trials: 1 }).name).toBe("ray-job");
    expect(all.route({}).name).toBe("triton-http");
    expect(all.route({ trials: 100_000 }).name).toBe("triton-http");
    expect(all.route({ trials: 100_001 }).name).toBe("ray-job");
    const serveOnly = router({ SOVREN_RAY_SERVE_URL: "http://r:8200", SOVREN_QUICK_TRIALS_MAX: "10" });
    expect(serveOnly.route({ mode: "SIMULATION_MODE_BATCH" }).name).toBe("ray-serve");
    expect(serveOnly.route({ trials: 11 }).name).toBe("ray-serve");
    const grpc = router({ SOVREN_TRITON_GRPC_URL: "http://t:8101", SOVREN_RAY_SERVE_URL: "http://r:8200" });
    expect(grpc.route({ mode: "SIMULATION_MODE_QUICK" }).name).toBe("triton-grpc");
    expect(router({ SOVREN_RAY_DASHBOARD_URL: "http://r:8265" }).route({ mode: "SIMULATION_MODE_QUICK" }).name).toBe("ray-job");
  });

  it("refuses inconsistent settings at start-up, naming the variable", () => {
    expect(configError({ SOVREN_TRITON_PROTOCOL: "grpc", SOVREN_TRITON_URL: "http://t:8100" })).toContain("SOVREN_TRITON_GRPC_URL: required when SOVREN_TRITON_PROTOCOL is grpc");
    expect(configError({ SOVREN_TRITON_PROTOCOL: "http", SOVREN_TRITON_GRPC_URL: "http://t:8101" })).toContain("SOVREN_TRITON_URL: required");
    expect(configError({ SOVREN_INFERENCE_BACKEND: "core" })).toContain("core needs SOVREN_TRITON_URL");
    expect(configError({ SOVREN_INFERENCE_BACKEND: "embedded", SOVREN_RAY_SERVE_URL: "http://r:8200" })).toContain("inference URLs are set");
    const bad = configError({ SOVREN_TRITON_URL: "grpc://t", SOVREN_TRITON_PROTOCOL: "udp", SOVREN_RAY_DASHBOARD_URL: "nope", SOVREN_BREAKER_FAILURES: "0", SOVREN_INFERENCE_BACKEND: "gpu" });
    for (const v of ["SOVREN_TRITON_URL", "SOVREN_TRITON_PROTOCOL", "SOVREN_RAY_DASHBOARD_URL", "SOVREN_BREAKER_FAILURES", "SOVREN_INFERENCE_BACKEND"]) expect(bad).toContain(v);
  });
});
