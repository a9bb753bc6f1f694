import type { components, operations } from "@sovren/contracts/openapi";
import type { APIPromise } from "../core/api-promise.js";
import type { PagePromise } from "../core/pagination.js";
import type { RequestOptions } from "../core/request-options.js";
import type { Stream } from "../core/stream.js";
import { APIResource } from "../internal/resource.js";

type S = components["schemas"];
export type ListCommunicationsParams = NonNullable<operations["listCommunications"]["parameters"]["query"]>;
export type WatchCommunicationsParams = NonNullable<operations["watchCommunications"]["parameters"]["query"]>;

/** Messages sent by executives. */
export class Communications extends APIResource {
  send(body: S["SendCommunicationRequest"], options?: RequestOptions): APIPromise<S["Communication"]> {
    return this._call("sendCommunication", body, options);
  }

  get(messageId: string, options?: RequestOptions): APIPromise<S["Communication"]> {
    return this._call("getCommunication", { messageId }, options);
  }

  list(params: ListCommunicationsParams = {}, options?: RequestOptions): PagePromise<S["Communication"], S["ListCommunicationsResponse"]> {
    return this._list("listCommunications", params, options, (body: S["ListCommunicationsResponse"]) => body.communications);
  }

  /** Every communication as it is sent and as its status changes, until aborted. */
  watch(filter: WatchCommunicationsParams = {}, options: RequestOptions = {}): Stream<S["Communication"]> {
    return this._engine.stream("watchCommunications", { ...filter }, options, (e) => e["communication"] as S["Communication"]);
  }
}
