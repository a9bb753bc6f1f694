import type { APIPromise } from "../core/api-promise.js";
import type { PagePromise } from "../core/pagination.js";
import type { RequestOptions } from "../core/request-options.js";
import { APIResource } from "../internal/resource.js";
import type {
  CommissionExecutiveRequest,
  CommissionExecutiveResponse,
  Executive,
  ListExecutivesParams,
  ListExecutivesResponse,
  RetireExecutiveRequest,
  UpdateExecutiveRequest,
  WithRequestId,
} from "./types.js";

export type { ListExecutivesParams };

/** AI executives on the tenant's Shadow Board. */
export class Executives extends APIResource {
  /** Commissions a new executive (names are unique within a tenant). */
  commission(body: CommissionExecutiveRequest, options?: RequestOptions): APIPromise<WithRequestId<CommissionExecutiveResponse>> {
    return this._call("commissionExecutive", body, options);
  }

  get(id: string, options?: RequestOptions): APIPromise<WithRequestId<Executive>> {
    return this._call("getExecutive", { id }, options);
  }

  /** Newest first; `for await` over the result walks every page. */
  list(params: ListExecutivesParams = {}, options?: RequestOptions): PagePromise<Executive, ListExecutivesResponse> {
    return this._list("listExecutives", params, options, (body: ListExecutivesResponse) => body.executives);
  }

  /** Changes the fields named in `updateMask`, or every field given when it is absent. */
  update(id: string, body: UpdateExecutiveRequest, options?: RequestOptions): APIPromise<WithRequestId<Executive>> {
    return this._call("updateExecutive", { ...body, id }, options);
  }

  /** Retires the executive: it stays readable but can no longer act. */
  retire(id: string, body: RetireExecutiveRequest = {}, options?: RequestOptions): APIPromise<WithRequestId<Executive>> {
    return this._call("retireExecutive", { ...body, id }, options);
  }
}
