import type { components } from "@sovren/contracts/openapi";
import type { APIPromise } from "../core/api-promise.js";
import type { RequestOptions } from "../core/request-options.js";
import { APIResource } from "../internal/resource.js";

type S = components["schemas"];

/** Scenario simulations on the inference core. */
export class Simulations extends APIResource {
  /**
   * Starts a simulation and returns its operation at once; wait for the
   * result with `client.operations.wait(op.operationId)`.
   */
  run(body: S["RunSimulationRequest"], options?: RequestOptions): APIPromise<S["Operation"]> {
    return this._call("runSimulation", body, options);
  }
}
