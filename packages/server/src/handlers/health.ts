// HealthService: liveness (always SERVING while the process answers) and
// readiness (the database and the inference backend, each timed).
import type { Services } from "./services.js";

export async function checkHealth(svc: Services) {
  return { status: "SERVING_STATUS_SERVING", version: svc.version };
}

async function probe(name: string, check: () => Promise<{ ready: boolean; message?: string }>) {
  const started = performance.now();
  let result: { ready: boolean; message?: string };
  try {
    result = await Promise.race([
      check(),
      new Promise<{ ready: boolean; message: string }>((resolve) =>
        setTimeout(() => resolve({ ready: false, message: "timed out after 2s" }), 2000).unref(),
      ),
    ]);
  } catch (err) {
    result = { ready: false, message: err instanceof Error ? err.message : String(err) };
  }
  return {
    name,
    status: result.ready ? "SERVING_STATUS_SERVING" : "SERVING_STATUS_NOT_SERVING",
    latencyMs: performance.now() - started,
    message: result.message ?? "",
  };
}

export async function checkReadiness(svc: Services) {
  // Draining (SIGTERM): not ready, so load balancers stop sending new requests.
  if (svc.stopping.aborted) {
    return {
      status: "SERVING_STATUS_NOT_SERVING",
      dependencies: [{ name: "server", status: "SERVING_STATUS_NOT_SERVING", latencyMs: 0, message: "shutting down" }],
    };
  }
  // Optional dependencies (Redis) are reported but do not gate readiness: while
  // one is down every instance still serves, degraded (see scale/).
  const optional = Promise.all((svc.optionalDependencies ?? []).map((o) => probe(o.name, o.check)));
  const dependencies = await Promise.all([
    probe("database", async () => {
      await svc.db.ownerTransaction((tx) => tx.query("SELECT 1"));
      return { ready: true };
    }),
    ...svc.inference.backends.map((b) => probe(b.name, () => b.ready())),
  ]);
  const ready = dependencies.every((d) => d.status === "SERVING_STATUS_SERVING");
  return { status: ready ? "SERVING_STATUS_SERVING" : "SERVING_STATUS_NOT_SERVING", dependencies: [...dependencies, ...(await optional)] };
}
