import type { components } from "@sovren/contracts/openapi";
import type { APIPromise } from "../core/api-promise.js";
import type { RequestOptions } from "../core/request-options.js";
import { APIResource } from "../internal/resource.js";

type S = components["schemas"];

/** Liveness and readiness (open without credentials). */
export class Health extends APIResource {
  check(options?: RequestOptions): APIPromise<S["CheckHealthResponse"]> {
    return this._call("checkHealth", {}, options);
  }

  ready(options?: RequestOptions): APIPromise<S["CheckReadinessResponse"]> {
    return this._call("checkReadiness", {}, options);
  }
}
