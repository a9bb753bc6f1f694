import type { APIPromise } from "../core/api-promise.js";
import type { RequestOptions } from "../core/request-options.js";
import { APIResource } from "../internal/resource.js";
import { DEFAULT_WAIT_TIMEOUT_MS, Operations, type WaitOptions } from "./operations.js";
import type { Operation, RunSimulationRequest, WithRequestId } from "./types.js";

export interface RunOptions extends RequestOptions {
  /**
   * Seconds (0..60) the server may wait for the run to finish before it
   * answers (`waitSeconds`; REST sends it as `Prefer: wait`'s body twin): a
   * quick simulation then comes back done in one round trip. The operation is
   * returned pending when it takes longer.
   */
  wait?: number;
}

/** The server holds RunSimulation's wait at most 60 s (the contract's bound). */
const MAX_WAIT_S = 60;

/** Scenario simulations on the inference core. */
export class Simulations extends APIResource {
  /**
   * Starts a simulation and returns its operation: at once, or, with
   * `{ wait }`, once it is done if that takes at most `wait` seconds. Wait for
   * the result with `client.operations.wait(op.operationId)`, or use `runAndWait`.
   */
  run(body: RunSimulationRequest, options: RunOptions = {}): APIPromise<WithRequestId<Operation>> {
    const { wait, ...rest } = options;
    if (wait === undefined) return this._call("runSimulation", body, rest);
    // The attempt must outlast the server's wait.
    return this._call("runSimulation", { ...body, waitSeconds: wait }, { timeout: wait * 1000 + 10_000, ...rest });
  }

  /**
   * Runs a simulation and resolves with its done operation. The first step is
   * RunSimulation itself with a wait, so a quick simulation takes one round
   * trip; a longer one continues with `operations.wait` (same options).
   */
  async runAndWait(body: RunSimulationRequest, options: WaitOptions & { idempotencyKey?: string } = {}): Promise<WithRequestId<Operation>> {
    const { timeout = DEFAULT_WAIT_TIMEOUT_MS, onProgress, progressInterval = 1_000, idempotencyKey, ...request } = options;
    const started = Date.now();
    const first = Math.min(MAX_WAIT_S, onProgress ? progressInterval / 1000 : MAX_WAIT_S, Math.max(0, timeout - 1_000) / 1000);
    const op = await this.run(body, { ...request, ...(idempotencyKey ? { idempotencyKey } : {}), wait: Math.floor(first) });
    if (op.done) {
      onProgress?.(op);
      return op;
    }
    return new Operations(this._engine).wait(op.operationId, { ...options, timeout: Math.max(0, timeout - (Date.now() - started)) });
  }
}
