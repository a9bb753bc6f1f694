import type { APIPromise } from "../core/api-promise.js";
import type { PagePromise } from "../core/pagination.js";
import type { RequestOptions } from "../core/request-options.js";
import type { Stream } from "../core/stream.js";
import { APIResource } from "../internal/resource.js";
import type {
  Communication,
  ListCommunicationsParams,
  ListCommunicationsResponse,
  SendCommunicationRequest,
  WatchCommunicationsParams,
  WithRequestId,
} from "./types.js";

export type { ListCommunicationsParams, WatchCommunicationsParams };

/** Messages sent by executives. */
export class Communications extends APIResource {
  send(body: SendCommunicationRequest, options?: RequestOptions): APIPromise<WithRequestId<Communication>> {
    return this._call("sendCommunication", body, options);
  }

  get(messageId: string, options?: RequestOptions): APIPromise<WithRequestId<Communication>> {
    return this._call("getCommunication", { messageId }, options);
  }

  list(params: ListCommunicationsParams = {}, options?: RequestOptions): PagePromise<Communication, ListCommunicationsResponse> {
    return this._list("listCommunications", params, options, (body: ListCommunicationsResponse) => body.communications);
  }

  /** Every communication as it is sent and as its status changes, until aborted. */
  watch(filter: WatchCommunicationsParams = {}, options: RequestOptions = {}): Stream<WithRequestId<Communication>> {
    return this._engine.stream("watchCommunications", { ...filter }, options, (e) => e["communication"] as Communication);
  }
}
