import { APIPromise } from "../core/api-promise.js";
import { Page, PagePromise } from "../core/pagination.js";
import type { RequestOptions } from "../core/request-options.js";
import type { Engine } from "./engine.js";
import type { OperationId } from "./operations.js";

type Input = Record<string, unknown>;

/** The base of every resource class: the engine plus typed call helpers. */
export abstract class APIResource {
  protected readonly _engine: Engine;

  constructor(engine: Engine) {
    this._engine = engine;
  }

  protected _call<T>(id: OperationId, input: object, options?: RequestOptions): APIPromise<T> {
    return new APIPromise(this._engine.unary<T>(id, input as Input, options));
  }

  protected _list<Item, Body extends { nextPageToken: string }>(
    id: OperationId,
    query: object,
    options: RequestOptions | undefined,
    items: (body: Body) => Item[],
  ): PagePromise<Item, Body> {
    const fetchPage = (pageToken?: string): PagePromise<Item, Body> => {
      const input = pageToken ? { ...query, pageToken } : (query as Input);
      return new PagePromise(
        this._engine.unary<Body>(id, input, options).then((r) => ({ ...r, data: new Page(r.data, items(r.data), fetchPage) })),
      );
    };
    return fetchPage((query as { pageToken?: string }).pageToken);
  }
}
