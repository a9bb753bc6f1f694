// Prometheus metrics on /metrics. A registry per server instance, so several
// servers in one process (tests) do not collide.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface Metrics {
  registry: Registry;
  requests: Counter<"transport" | "method" | "code">;
  latency: Histogram<"transport" | "method">;
  operations: Counter<"state" | "backend">;
  inflightOperations: Gauge;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: "sovren_requests_total",
      help: "Requests served, by transport, method and result code",
      labelNames: ["transport", "method", "code"],
      registers: [registry],
    }),
    latency: new Histogram({
      name: "sovren_request_duration_seconds",
      help: "Request latency (to the first byte of streams)",
      labelNames: ["transport", "method"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    operations: new Counter({
      name: "sovren_operations_total",
      help: "Operations that reached a state, by state and backend",
      labelNames: ["state", "backend"],
      registers: [registry],
    }),
    inflightOperations: new Gauge({
      name: "sovren_operations_running",
      help: "Operations this instance is running now",
      registers: [registry],
    }),
  };
}
