// Which backend runs a simulation. Built from the configuration once:
// `embedded` runs everything in process; `core` sends quick simulations to
// Triton (else Ray Serve) and batch ones to Ray Jobs (else the quick backend).
// SIMULATION_MODE_UNSPECIFIED is quick up to `quickTrialsMax` trials.
import {
  RayJobBackend,
  RayServeBackend,
  TritonBackend,
  TritonGrpcClient,
  TritonHttpClient,
  type BreakerState,
} from "@sovren/inference";
import type { RunSimulationRequest } from "@sovren/contracts/zod";
import type { InferenceConfig } from "../config.js";
import type { Logger } from "../observability/logger.js";
import type { InferenceBackend } from "./backend.js";
import { EmbeddedBackend } from "./embedded-backend.js";
import { withFiniteResults } from "./finite-results.js";

export class InferenceRouter {
  readonly quick: InferenceBackend;
  readonly batch: InferenceBackend;
  /** Every configured backend, by name (the `backend` recorded on operations). */
  readonly byName = new Map<string, InferenceBackend>();

  /** `decorate` wraps each configured backend (tracing: telemetry/traced-backend.ts), given its URL. */
  constructor(readonly config: InferenceConfig, log: Logger, decorate?: (b: InferenceBackend, url?: string) => InferenceBackend) {
    const breaker = {
      ...config.breaker,
      onStateChange: (state: BreakerState, backend: string) => {
        if (state === "open") log.warn("inference circuit breaker opened", { backend });
        else log.info("inference circuit breaker", { backend, state });
      },
    };
    // Every backend is used through withFiniteResults: no non-finite result is ever recorded.
    const add = (b: InferenceBackend, url?: string) => {
      const checked = withFiniteResults(decorate ? decorate(b, url) : b);
      this.byName.set(checked.name, checked);
      return checked;
    };
    let triton: InferenceBackend | undefined;
    let serve: InferenceBackend | undefined;
    let jobs: InferenceBackend | undefined;
    if (config.mode === "core") {
      if (config.triton) {
        const { protocol, url, model } = config.triton;
        const client = protocol === "grpc" ? new TritonGrpcClient({ baseUrl: url }) : new TritonHttpClient({ baseUrl: url });
        triton = add(new TritonBackend({ client, model, timeoutMs: config.timeoutMs, breaker }), url);
      }
      if (config.rayServe) {
        serve = add(new RayServeBackend({ baseUrl: config.rayServe.url, route: config.rayServe.route, timeoutMs: config.timeoutMs, breaker }), config.rayServe.url);
      }
      if (config.rayJobs) {
        jobs = add(new RayJobBackend({ dashboardUrl: config.rayJobs.dashboardUrl, entrypoint: config.rayJobs.entrypoint, breaker }), config.rayJobs.dashboardUrl);
      }
    }
    const quick = triton ?? serve ?? jobs ?? add(new EmbeddedBackend());
    this.quick = quick;
    this.batch = jobs ?? quick;
  }

  /** The backend a simulation runs on. */
  route(req: Pick<RunSimulationRequest, "mode" | "trials">): InferenceBackend {
    if (req.mode === "SIMULATION_MODE_BATCH") return this.batch;
    if (req.mode === "SIMULATION_MODE_QUICK") return this.quick;
    return (req.trials ?? 10_000) > this.config.quickTrialsMax ? this.batch : this.quick;
  }

  get(name: string): InferenceBackend | undefined {
    return this.byName.get(name);
  }

  get backends(): InferenceBackend[] {
    return [...this.byName.values()];
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.backends.map((b) => b.close?.()));
  }
}
