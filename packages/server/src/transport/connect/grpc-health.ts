// grpc.health.v1.Health: the standard gRPC health checking protocol, for
// Kubernetes gRPC probes, Envoy and grpc_health_probe. Statuses come from the
// server's readiness (handlers/health.ts):
//   ""                               SERVING when every dependency is ready
//   each sovren.v1.*Service          the same (they need the database)
//   sovren.v1.HealthService, and the
//   health and reflection services   SERVING while the process answers
//   "redis" (with REDIS_URL)         that optional dependency's own status;
//                                    it never gates "" (see scale/)
//   anything else                    Check: NOT_FOUND; Watch: SERVICE_UNKNOWN
// Watch sends the current status at once, then each change (readiness is
// re-checked every second, shared by every open Watch).
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as Status, type HealthCheckRequest } from "@sovren/contracts/grpc";
import { checkReadiness } from "../../handlers/health.js";
import type { Services } from "../../handlers/services.js";

export const WATCH_INTERVAL_MS = 1000;
const ALWAYS_SERVING = new Set([
  "sovren.v1.HealthService",
  Health.typeName,
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
]);

export function grpcHealthService(svc: Services, serviceNames: string[]) {
  const dependent = new Set(["", ...serviceNames.filter((n) => !ALWAYS_SERVING.has(n))]);
  const optional = new Set((svc.optionalDependencies ?? []).map((o) => o.name));
  let cached: { at: number; readiness: ReturnType<typeof checkReadiness> } | undefined;
  const readiness = () => {
    if (!cached || performance.now() - cached.at >= WATCH_INTERVAL_MS) {
      const r = checkReadiness(svc);
      r.catch(() => {});
      cached = { at: performance.now(), readiness: r };
    }
    return cached.readiness;
  };
  const ready = () => readiness().then((r) => r.status === "SERVING_STATUS_SERVING", () => false);
  const statusOf = async (service: string): Promise<Status | undefined> => {
    if (ALWAYS_SERVING.has(service)) return Status.SERVING;
    if (optional.has(service)) {
      const dep = await readiness().then((r) => r.dependencies.find((d) => d.name === service), () => undefined);
      return dep?.status === "SERVING_STATUS_SERVING" ? Status.SERVING : Status.NOT_SERVING;
    }
    if (!dependent.has(service)) return undefined;
    return (await ready()) ? Status.SERVING : Status.NOT_SERVING;
  };

  return {
    async check(req: HealthCheckRequest) {
      const status = await statusOf(req.service);
      if (status === undefined) throw new ConnectError(`unknown service ${req.service}`, Code.NotFound);
      return { status };
    },
    async list() {
      const statuses: Record<string, { status: Status }> = {};
      for (const name of [...dependent, ...optional, ...ALWAYS_SERVING]) statuses[name] = { status: (await statusOf(name))! };
      return { statuses };
    },
    async *watch(req: HealthCheckRequest, ctx: HandlerContext) {
      let last: Status | undefined;
      while (!ctx.signal.aborted) {
        const status = (await statusOf(req.service)) ?? Status.SERVICE_UNKNOWN;
        if (status !== last) yield { status };
        last = status;
        try {
          await sleep(WATCH_INTERVAL_MS, undefined, { signal: ctx.signal });
        } catch {
          return; // the client went away
        }
      }
    },
  };
}
