import type { components, operations } from "@sovren/contracts/openapi";
import type { APIPromise } from "../core/api-promise.js";
import { SovrenError, WaitTimeoutError } from "../core/errors.js";
import type { PagePromise } from "../core/pagination.js";
import type { RequestOptions } from "../core/request-options.js";
import { sleep } from "../core/retries.js";
import type { Stream } from "../core/stream.js";
import { APIResource } from "../internal/resource.js";

type S = components["schemas"];
export type ListOperationsParams = NonNullable<operations["listOperations"]["parameters"]["query"]>;

export interface WaitOptions extends Omit<RequestOptions, "timeout" | "idempotencyKey"> {
  /**
   * Gives up with a `WaitTimeoutError` (carrying the last state seen) after
   * this many milliseconds in all, polls and retries included (default: no
   * limit). The operation goes on; cancel it with `operations.cancel`.
   */
  timeout?: number;
  /** The shortest time between two polls when the server answers at once (default 1 000 ms, doubling to 10 000). */
  pollInterval?: number;
  /** Called with every state seen, the final one included. */
  onProgress?: (operation: S["Operation"]) => void;
}

/** The server holds a WaitOperation at most 60 s; ask for 30 s (its default). */
const LONG_POLL_MS = 30_000;
const MAX_POLL_INTERVAL_MS = 10_000;
/** Ask the server to answer this much before our deadline, so its answer, not our abort, ends the last poll. */
const DEADLINE_MARGIN_MS = 250;

/** The record of every execution; long-running operations. */
export class Operations extends APIResource {
  get(operationId: string, options?: RequestOptions): APIPromise<S["Operation"]> {
    return this._call("getOperation", { operationId }, options);
  }

  list(params: ListOperationsParams = {}, options?: RequestOptions): PagePromise<S["Operation"], S["ListOperationsResponse"]> {
    return this._list("listOperations", params, options, (body: S["ListOperationsResponse"]) => body.operations);
  }

  /** Asks a pending or running operation to stop; a finished one is returned unchanged. */
  cancel(operationId: string, options?: RequestOptions): APIPromise<S["Operation"]> {
    return this._call("cancelOperation", { operationId }, options);
  }

  /**
   * Resolves with the operation once it is done (SUCCEEDED, FAILED or
   * CANCELLED: check `state`), long-polling WaitOperation and backing off
   * when the server answers early.
   */
  async wait(operationId: string, options: WaitOptions = {}): Promise<S["Operation"]> {
    const { timeout, pollInterval = 1_000, onProgress, signal, ...request } = options;
    if (timeout !== undefined && !(timeout >= 0)) throw new SovrenError(`timeout must be a non-negative number of milliseconds, got ${timeout}`);
    const deadline = timeout === undefined ? Infinity : Date.now() + timeout;
    // One signal for the whole wait: the caller's, and the overall deadline's
    // (which also cuts short a poll in flight, a retry or a backoff).
    const expiry = new AbortController();
    const timer = timeout === undefined ? undefined : setTimeout(() => expiry.abort(), timeout);
    const waitSignal = signal ? AbortSignal.any([signal, expiry.signal]) : expiry.signal;
    let last: S["Operation"] | undefined;
    let interval = pollInterval;
    try {
      for (;;) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new WaitTimeoutError(operationId, timeout!, last);
        const poll = Math.max(0, Math.ceil(Math.min(LONG_POLL_MS, remaining - DEADLINE_MARGIN_MS)));
        const started = Date.now();
        const operation = await this._call<S["Operation"]>(
          "waitOperation",
          { operationId, timeout: `${poll / 1000}s` },
          { ...request, signal: waitSignal, timeout: poll + 10_000 },
        );
        last = operation;
        onProgress?.(operation);
        if (operation.done) return operation;
        const elapsed = Date.now() - started;
        if (elapsed < interval) {
          await sleep(Math.min(interval - elapsed, Math.max(0, deadline - Date.now())), waitSignal);
          interval = Math.min(interval * 2, MAX_POLL_INTERVAL_MS);
        }
      }
    } catch (e) {
      // The deadline fired (not the caller's signal): whatever it interrupted, the wait timed out.
      if (expiry.signal.aborted && !signal?.aborted && !(e instanceof WaitTimeoutError)) throw new WaitTimeoutError(operationId, timeout!, last, e);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The operation's state now, then at every change until it is done. */
  watch(operationId: string, options: RequestOptions = {}): Stream<S["Operation"]> {
    return this._engine.stream("watchOperation", { operationId }, options, (e) => e["operation"] as S["Operation"]);
  }
}
