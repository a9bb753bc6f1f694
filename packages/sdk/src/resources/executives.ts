import type { components, operations } from "@sovren/contracts/openapi";
import type { APIPromise } from "../core/api-promise.js";
import type { PagePromise } from "../core/pagination.js";
import type { RequestOptions } from "../core/request-options.js";
import { APIResource } from "../internal/resource.js";

type S = components["schemas"];
export type ListExecutivesParams = NonNullable<operations["listExecutives"]["parameters"]["query"]>;

/** AI executives on the tenant's Shadow Board. */
export class Executives extends APIResource {
  /** Commissions a new executive (names are unique within a tenant). */
  commission(body: S["CommissionExecutiveRequest"], options?: RequestOptions): APIPromise<S["CommissionExecutiveResponse"]> {
    return this._call("commissionExecutive", body, options);
  }

  get(id: string, options?: RequestOptions): APIPromise<S["Executive"]> {
    return this._call("getExecutive", { id }, options);
  }

  /** Newest first; `for await` over the result walks every page. */
  list(params: ListExecutivesParams = {}, options?: RequestOptions): PagePromise<S["Executive"], S["ListExecutivesResponse"]> {
    return this._list("listExecutives", params, options, (body: S["ListExecutivesResponse"]) => body.executives);
  }

  /** Changes the fields named in `updateMask`, or every field given when it is absent. */
  update(id: string, body: S["UpdateExecutiveRequest"], options?: RequestOptions): APIPromise<S["Executive"]> {
    return this._call("updateExecutive", { ...body, id }, options);
  }

  /** Retires the executive: it stays readable but can no longer act. */
  retire(id: string, body: S["RetireExecutiveRequest"] = {}, options?: RequestOptions): APIPromise<S["Executive"]> {
    return this._call("retireExecutive", { ...body, id }, options);
  }
}
