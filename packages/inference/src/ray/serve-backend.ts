// The Ray Serve backend: online simulations over Serve's HTTP proxy. The
// deployment (inference/ray_serve_app.py) takes the RunSimulationRequest JSON
// and answers the SimulationResult JSON.
import { withTimeout, type InferenceBackend, type Readiness, type RunOptions, type RunSimulationRequest, type SimulationResult } from "../backend.js";
import { CircuitBreaker, type CircuitBreakerOptions } from "../circuit-breaker.js";
import { BackendFailedError, BackendUnavailableError, InferenceError, redactPaths } from "../errors.js";

export interface RayServeOptions {
  /** Serve's HTTP address, e.g. http://127.0.0.1:8200 */
  baseUrl: string;
  /** The deployment's route (default /simulate). */
  route?: string;
  timeoutMs?: number;
  breaker?: CircuitBreakerOptions;
  fetch?: typeof fetch;
}

export class RayServeBackend implements InferenceBackend {
  readonly name = "ray-serve";
  readonly breaker: CircuitBreaker;
  private readonly base: string;
  private readonly route: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: RayServeOptions) {
    this.base = options.baseUrl.replace(/\/+$/, "");
    this.route = options.route ?? "/simulate";
    this.fetch = options.fetch ?? globalThis.fetch;
    this.breaker = new CircuitBreaker(this.name, options.breaker);
  }

  async ready(signal?: AbortSignal): Promise<Readiness> {
    if (this.breaker.state === "open") return { ready: false, message: `circuit open; retry in ${this.breaker.retryAfterSeconds()} s` };
    try {
      const res = await this.fetch(`${this.base}/-/routes`, { signal: withTimeout(signal, 2_000) });
      if (!res.ok) return { ready: false, message: `Ray Serve /-/routes answered ${res.status}` };
      const routes = (await res.json()) as Record<string, string>;
      if (!(this.route in routes)) return { ready: false, message: `Ray Serve has no route ${this.route} (routes: ${Object.keys(routes).join(", ") || "none"})` };
      return { ready: true, message: `route ${this.route} served by ${routes[this.route]}` };
    } catch (err) {
      return { ready: false, message: `Ray Serve unreachable: ${(err as Error).message}` };
    }
  }

  unavailable() {
    return this.breaker.refusal();
  }

  async run(request: RunSimulationRequest, options: RunOptions): Promise<SimulationResult> {
    return this.breaker.call(async () => {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (options.traceparent) headers.traceparent = options.traceparent;
      let res: Response;
      try {
        res = await this.fetch(`${this.base}${this.route}`, {
          method: "POST",
          headers,
          body: JSON.stringify(simulationBody(request)),
          signal: withTimeout(options.signal, this.options.timeoutMs ?? 30_000),
        });
      } catch (err) {
        if ((err as Error).name === "TimeoutError") throw new InferenceError(`Ray Serve timed out: ${(err as Error).message}`, "deadline_exceeded", this.name, 1, { cause: err });
        if ((err as Error).name === "AbortError") throw new InferenceError("Ray Serve call aborted", "canceled", this.name, undefined, { cause: err });
        throw new BackendUnavailableError(`Ray Serve unreachable: ${(err as Error).message}`, this.name, 5, { cause: err });
      }
      const text = await res.text();
      if (res.status >= 500 || res.status === 404) throw new BackendUnavailableError(`Ray Serve answered ${res.status}: ${text.slice(0, 500)}`, this.name);
      if (!res.ok) throw new BackendFailedError(`Ray Serve refused the simulation (${res.status}): ${serveErrorMessage(text)}`, this.name, "invalid_argument");
      return JSON.parse(text) as SimulationResult;
    });
  }
}

/** The message of Serve's `{"error": {"code", "message"}}` answer (paths redacted). */
function serveErrorMessage(text: string): string {
  try {
    const m = (JSON.parse(text) as { error?: { message?: string } }).error?.message;
    if (typeof m === "string") return redactPaths(m);
  } catch {
    // not JSON: fall through
  }
  return redactPaths(text.slice(0, 500));
}

/** The simulation's own inputs (what the Python side reads), without the API's routing fields. */
export function simulationBody(request: RunSimulationRequest): Record<string, unknown> {
  const body: Record<string, unknown> = { scenario: request.scenario, threshold: request.threshold ?? 0, factors: request.factors ?? [] };
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.trials !== undefined) body.trials = request.trials;
  return body;
}
