import type { APIPromise } from "../core/api-promise.js";
import type { RequestOptions } from "../core/request-options.js";
import { APIResource } from "../internal/resource.js";
import type { Operation, RunSimulationRequest, WithRequestId } from "./types.js";

/** Scenario simulations on the inference core. */
export class Simulations extends APIResource {
  /**
   * Starts a simulation and returns its operation at once; wait for the
   * result with `client.operations.wait(op.operationId)`.
   */
  run(body: RunSimulationRequest, options?: RequestOptions): APIPromise<WithRequestId<Operation>> {
    return this._call("runSimulation", body, options);
  }
}
