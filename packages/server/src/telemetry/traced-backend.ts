// Inference spans: each run on Triton, Ray Serve or Ray Jobs is a CLIENT span
// (a child of the request that started it, or of the traceparent recorded
// with it when resumed elsewhere), and that span's traceparent is what the
// backend passes on: gRPC metadata and an HTTP header to Triton, an HTTP
// header to Ray Serve, the job's metadata and TRACEPARENT to a Ray job.
import type { InferenceBackend } from "../inference/backend.js";
import type { Telemetry } from "./telemetry.js";

const SYSTEM: Record<string, Record<string, string>> = {
  "triton-grpc": { "rpc.system": "grpc", "rpc.service": "inference.GRPCInferenceService", "rpc.method": "ModelInfer" },
  "triton-http": { "http.request.method": "POST" },
  "ray-serve": { "http.request.method": "POST" },
  "ray-job": { "http.request.method": "POST" },
};

export function traceBackend(backend: InferenceBackend, telemetry: Telemetry, serverUrl?: string): InferenceBackend {
  const address = serverUrl ? safeUrl(serverUrl) : undefined;
  const traced: InferenceBackend = {
    name: backend.name,
    ready: (signal) => backend.ready(signal),
    run: (request, options) =>
      telemetry.span(
        `${backend.name} simulate`,
        {
          kind: backend.name === "embedded" ? "internal" : "client",
          ...(options.traceparent ? { parent: options.traceparent } : {}),
          attributes: {
            "sovren.inference.backend": backend.name,
            "sovren.operation_id": options.operationId,
            "sovren.simulation.trials": request.trials,
            ...SYSTEM[backend.name],
            ...(address ? { "server.address": address.hostname, "server.port": Number(address.port) || undefined } : {}),
          },
        },
        (span) => backend.run(request, span ? { ...options, traceparent: span.traceparent } : options),
      ),
  };
  // Optional members only where the backend has them (the runner tells out-of-process backends by `cancel`).
  if (backend.cancel) traced.cancel = (operationId) => backend.cancel!(operationId);
  if (backend.unavailable) traced.unavailable = () => backend.unavailable!();
  if (backend.close) traced.close = () => backend.close!();
  return traced;
}

function safeUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}
