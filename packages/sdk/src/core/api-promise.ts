/** What `.withResponse()` gives: the parsed result and the raw response facts. */
export interface WithResponse<T> {
  data: T;
  /** The fetch `Response` (REST). Connect/gRPC calls have no fetch response: `undefined`. */
  response: Response | undefined;
  /** HTTP status (Connect/gRPC: 200). */
  status: number;
  /** Response headers (Connect/gRPC: headers and trailers). */
  headers: Headers;
  requestId: string | undefined;
}

/**
 * The promise every method returns: await it for the result, or call
 * `.withResponse()` for the raw response and request id as well.
 */
export class APIPromise<T> extends Promise<T> {
  #parsed: Promise<T> | undefined;
  readonly #responsePromise: Promise<WithResponse<T>>;

  constructor(responsePromise: Promise<WithResponse<T>>) {
    // The base promise is never used: then/catch/finally delegate to the
    // parsed promise, so subclassing Promise keeps `instanceof Promise` true.
    super((resolve) => resolve(null as T));
    this.#responsePromise = responsePromise;
  }

  static override get [Symbol.species]() {
    return Promise;
  }

  /** The result plus `response`, `status`, `headers` and `requestId`. */
  withResponse(): Promise<WithResponse<T>> {
    return this.#responsePromise;
  }

  /** The raw fetch Response (REST only; `undefined` over Connect/gRPC). */
  asResponse(): Promise<Response | undefined> {
    return this.#responsePromise.then((r) => r.response);
  }

  #parse(): Promise<T> {
    return (this.#parsed ??= this.#responsePromise.then((r) => r.data));
  }

  override then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#parse().then(onfulfilled, onrejected);
  }

  override catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.#parse().catch(onrejected);
  }

  override finally(onfinally?: (() => void) | null): Promise<T> {
    return this.#parse().finally(onfinally);
  }
}

/** Attaches the request id to an object result without making it enumerable (so it stays out of JSON). */
export function withRequestId<T>(data: T, requestId: string | undefined): T {
  if (data !== null && typeof data === "object" && requestId !== undefined) {
    Object.defineProperty(data, "_requestId", { value: requestId, enumerable: false, configurable: true });
  }
  return data;
}
