// The interface every inference backend implements: the server's embedded
// one, Triton (gRPC or HTTP), Ray Serve and Ray Jobs.
import type { RunSimulationRequest, SimulationResult } from "@sovren/contracts/zod";

export type { RunSimulationRequest, SimulationResult };

export interface RunOptions {
  /** The operation this run records; batch backends derive their job id from it, so a re-dispatch attaches instead of duplicating. */
  operationId: string;
  signal?: AbortSignal;
  /** Called with the fraction of the work done, in [0, 1]; a returned promise is awaited (backpressure). */
  onProgress?: (fraction: number) => void | Promise<void>;
  /** W3C trace context to pass on. */
  traceparent?: string;
  /** Labels for work that runs out of process (e.g. a Ray job's metadata: the tenant). String values. */
  metadata?: Record<string, string>;
}

export interface Readiness {
  ready: boolean;
  message?: string;
}

export interface InferenceBackend {
  /** "embedded", "triton-grpc", "triton-http", "ray-serve" or "ray-job". */
  readonly name: string;
  /** Whether the backend (and its model) can take work now. */
  ready(signal?: AbortSignal): Promise<Readiness>;
  /** Runs one simulation. Rejects with an InferenceError. */
  run(request: RunSimulationRequest, options: RunOptions): Promise<SimulationResult>;
  /** Stops the work of an operation, where the backend runs it out of process. */
  cancel?(operationId: string): Promise<void>;
  /**
   * Whether a new run would be refused at once (its circuit breaker is open),
   * with the seconds after which to retry; lets a caller refuse work before
   * recording it.
   */
  unavailable?(): { retryAfterSeconds: number; message: string } | undefined;
  /** Releases connections. */
  close?(): Promise<void>;
}

/** Combines the caller's signal with a timeout. */
export function withTimeout(signal: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}
