import type { APIPromise } from "../core/api-promise.js";
import { SovrenError, WaitTimeoutError } from "../core/errors.js";
import type { PagePromise } from "../core/pagination.js";
import type { RequestOptions } from "../core/request-options.js";
import { sleep } from "../core/retries.js";
import type { Stream } from "../core/stream.js";
import { APIResource } from "../internal/resource.js";

import type { ListOperationsParams, ListOperationsResponse, Operation, WithRequestId } from "./types.js";

export type { ListOperationsParams };

export interface WaitOptions extends Omit<RequestOptions, "timeout" | "idempotencyKey"> {
  /**
   * Gives up with a `WaitTimeoutError` (carrying the last state seen) after
   * this many milliseconds in all, polls and retries included (default
   * 600 000: ten minutes; `Infinity` waits as long as it takes). The
   * operation goes on; cancel it with `operations.cancel`.
   */
  timeout?: number;
  /** The shortest time between two polls when the server answers at once (default 1 000 ms, doubling to 10 000). */
  pollInterval?: number;
  /**
   * Called with the first state seen, then whenever the state or the progress
   * changes, the final state included. With a callback, each long poll lasts
   * at most `progressInterval` so that progress is seen while it runs.
   */
  onProgress?: (operation: Operation) => void;
  /** With `onProgress`: how often progress is read while the operation runs (default 1 000 ms). */
  progressInterval?: number;
}

/** The default overall deadline of `wait`: long enough for a large batch run, short enough that a forgotten wait ends. */
export const DEFAULT_WAIT_TIMEOUT_MS = 600_000;
/** The server holds a WaitOperation at most 60 s; ask for 30 s (its default). */
const LONG_POLL_MS = 30_000;
const MAX_POLL_INTERVAL_MS = 10_000;
/** Ask the server to answer this much before our deadline, so its answer, not our abort, ends the last poll. */
const DEADLINE_MARGIN_MS = 250;

/** The record of every execution; long-running operations. */
export class Operations extends APIResource {
  get(operationId: string, options?: RequestOptions): APIPromise<WithRequestId<Operation>> {
    return this._call("getOperation", { operationId }, options);
  }

  list(params: ListOperationsParams = {}, options?: RequestOptions): PagePromise<Operation, ListOperationsResponse> {
    return this._list("listOperations", params, options, (body: ListOperationsResponse) => body.operations);
  }

  /** Asks a pending or running operation to stop; a finished one is returned unchanged. */
  cancel(operationId: string, options?: RequestOptions): APIPromise<WithRequestId<Operation>> {
    return this._call("cancelOperation", { operationId }, options);
  }

  /**
   * Resolves with the operation once it is done (SUCCEEDED, FAILED or
   * CANCELLED: check `state`), long-polling WaitOperation and backing off
   * when the server answers early.
   */
  async wait(operationId: string, options: WaitOptions = {}): Promise<WithRequestId<Operation>> {
    const { timeout = DEFAULT_WAIT_TIMEOUT_MS, pollInterval = 1_000, onProgress, progressInterval = 1_000, signal, ...request } = options;
    if (!(timeout >= 0)) throw new SovrenError(`timeout must be a non-negative number of milliseconds, got ${timeout}`);
    if (!(progressInterval > 0)) throw new SovrenError(`progressInterval must be a positive number of milliseconds, got ${progressInterval}`);
    const deadline = Date.now() + timeout;
    // One signal for the whole wait: the caller's, and the overall deadline's
    // (which also cuts short a poll in flight, a retry or a backoff).
    const expiry = new AbortController();
    const timer = Number.isFinite(timeout) ? setTimeout(() => expiry.abort(), timeout) : undefined;
    const longest = onProgress ? Math.min(LONG_POLL_MS, progressInterval) : LONG_POLL_MS;
    const waitSignal = signal ? AbortSignal.any([signal, expiry.signal]) : expiry.signal;
    let last: WithRequestId<Operation> | undefined;
    let interval = pollInterval;
    try {
      for (;;) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new WaitTimeoutError(operationId, timeout, last);
        const poll = Math.max(0, Math.ceil(Math.min(longest, remaining - DEADLINE_MARGIN_MS)));
        const started = Date.now();
        const operation = await this._call<WithRequestId<Operation>>(
          "waitOperation",
          { operationId, timeout: `${poll / 1000}s` },
          { ...request, signal: waitSignal, timeout: poll + 10_000 },
        );
        if (onProgress && (!last || last.state !== operation.state || last.progress !== operation.progress || operation.done)) onProgress(operation);
        last = operation;
        if (operation.done) return operation;
        const elapsed = Date.now() - started;
        // Back off only when the server answered before the poll was due (it is not holding the poll).
        if (elapsed < Math.min(interval, poll)) {
          await sleep(Math.min(interval - elapsed, Math.max(0, deadline - Date.now())), waitSignal);
          interval = Math.min(interval * 2, MAX_POLL_INTERVAL_MS);
        }
      }
    } catch (e) {
      // The deadline fired (not the caller's signal): whatever it interrupted, the wait timed out.
      if (expiry.signal.aborted && !signal?.aborted && !(e instanceof WaitTimeoutError)) throw new WaitTimeoutError(operationId, timeout, last, e);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The operation's state now, then at every change until it is done. */
  watch(operationId: string, options: RequestOptions = {}): Stream<WithRequestId<Operation>> {
    return this._engine.stream("watchOperation", { operationId }, options, (e) => e["operation"] as Operation);
  }
}
