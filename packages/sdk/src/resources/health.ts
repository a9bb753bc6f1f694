import type { APIPromise } from "../core/api-promise.js";
import type { RequestOptions } from "../core/request-options.js";
import { APIResource } from "../internal/resource.js";

import type { CheckHealthResponse, CheckReadinessResponse, WithRequestId } from "./types.js";

/** Liveness and readiness (open without credentials). */
export class Health extends APIResource {
  check(options?: RequestOptions): APIPromise<WithRequestId<CheckHealthResponse>> {
    return this._call("checkHealth", {}, options);
  }

  ready(options?: RequestOptions): APIPromise<WithRequestId<CheckReadinessResponse>> {
    return this._call("checkReadiness", {}, options);
  }
}
