import type { WithResponse } from "../core/api-promise.js";
import { withRequestId } from "../core/api-promise.js";
import { AuthenticationError, type APIError, type SovrenError } from "../core/errors.js";
import { redactHeaders, redactUrl, type Logger } from "../core/logger.js";
import type { RequestOptions } from "../core/request-options.js";
import { retryDelayMs, shouldRetry, sleep } from "../core/retries.js";
import { Stream } from "../core/stream.js";
import type { AttemptContext, Wire } from "../transports/types.js";
import { attemptSignal, throwIfAborted, uuid, type AttemptSignal } from "./attempt.js";
import { isMutating, operationSpec, type OperationId, type OperationSpec } from "./operations.js";

type Validators = typeof import("./validate.js");
let validators: Validators | undefined;
let loading: Promise<Validators> | undefined;
/**
 * The validators (zod and the contract's schemas), imported on the first call
 * that validates: importing the SDK costs no zod, and a client built with
 * `validate: false` never loads it.
 */
function loadValidators(): Validators | Promise<Validators> {
  return validators ?? (loading ??= import("./validate.js").then((m) => (validators = m)));
}

export interface EngineConfig {
  wire: Wire;
  maxRetries: number;
  timeout: number;
  logger: Logger;
  /**
   * Whether debug lines are kept: when not, the engine does not even build
   * them (redacted URL and headers cost CPU on every call).
   */
  debug: boolean;
  /** The base URL's origin, named by connection errors. */
  origin: string | undefined;
  validateRequests: boolean;
  validateResponses: boolean;
  /** Default, auth and tenant headers; `refresh` asks the token provider for a new token. */
  baseHeaders(refresh: boolean): Promise<Headers>;
  canRefreshToken: boolean;
  random: () => number;
}

type Input = Record<string, unknown>;

/**
 * Runs every call: validation, headers, idempotency key, per-attempt
 * timeout, retries with backoff, token refresh on 401, logging. Transport
 * specifics stay behind `Wire`.
 */
export class Engine {
  constructor(readonly config: EngineConfig) {}

  /** One unary call, retried as needed. */
  async unary<T>(id: OperationId, input: Input, options: RequestOptions = {}): Promise<WithResponse<T>> {
    const op = operationSpec(id);
    const check = this.config.validateRequests || this.config.validateResponses ? await loadValidators() : undefined;
    if (this.config.validateRequests) check!.validateRequest(id, input);
    return this.#withRetries(op, input, options, false, async (ctx, attempt) => {
      const started = this.config.debug ? Date.now() : 0;
      try {
        const result = await this.config.wire.unary(op, input, ctx);
        const requestId = result.headers.get("x-request-id") ?? undefined;
        if (this.config.debug) this.config.logger.debug(`${op.id} ← ${result.status} in ${Date.now() - started} ms`, { requestId });
        if (this.config.validateResponses) check!.validateResponse(id, result.data, requestId);
        return { ...result, data: withRequestId(result.data as T, requestId), requestId };
      } finally {
        attempt.release();
      }
    });
  }

  /** A server stream whose events are validated and unwrapped with `pick`. */
  stream<T>(id: OperationId, input: Input, options: RequestOptions, pick: (event: Input) => T): Stream<T> {
    const op = operationSpec(id);
    const controller = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    const callOptions = { ...options, signal };
    const engine = this;
    async function* iterate(): AsyncGenerator<T, void, undefined> {
      const { validateRequests, validateResponses } = engine.config;
      const check = validateRequests || validateResponses ? await loadValidators() : undefined;
      if (validateRequests) check!.validateRequest(id, input);
      // Retry only until the first event: after that, the caller has seen
      // data and silently reconnecting could skip or repeat events.
      const opened = await engine.#withRetries(op, input, callOptions, true, async (ctx, attempt) => {
        try {
          const result = await engine.config.wire.stream(op, input, ctx);
          const iterator = result.events[Symbol.asyncIterator]();
          const first = await iterator.next();
          // Opened after the call gave up (a transport that ignored the abort): nobody will read it.
          if (ctx.signal.aborted) {
            await iterator.return?.().catch(() => {});
            throw ctx.signal.reason;
          }
          return { result, iterator, first, attempt };
        } catch (e) {
          attempt.release();
          throw e;
        }
      });
      const { result, iterator, attempt } = opened;
      const requestId = result.headers.get("x-request-id") ?? undefined;
      try {
        for (let next = opened.first; !next.done; next = await iterator.next()) {
          if (validateResponses) check!.validateResponse(id, next.value, requestId);
          yield withRequestId(pick(next.value as Input), requestId);
        }
      } catch (e) {
        throw attempt.classify(e);
      } finally {
        // Closes the connection when the caller breaks out early.
        controller.abort();
        await iterator.return?.().catch(() => {});
        attempt.release();
      }
    }
    return new Stream(iterate, controller);
  }

  async #withRetries<R>(
    op: OperationSpec,
    input: Input,
    options: RequestOptions,
    stream: boolean,
    run: (ctx: AttemptContext, attempt: AttemptSignal) => Promise<R>,
  ): Promise<R> {
    const { logger } = this.config;
    const maxRetries = options.maxRetries ?? this.config.maxRetries;
    const timeout = options.timeout ?? this.config.timeout;
    const idempotencyKey = options.idempotencyKey ?? (isMutating(op.id) ? `sovren-retry-${uuid()}` : undefined);
    const { debug, origin } = this.config;
    const url = debug ? redactUrl(this.config.wire.url(op, input)) : "";
    let refresh = false;
    let refreshed = false;
    for (let retry = 0; ; ) {
      throwIfAborted(options.signal);
      const headers = await this.#headers(refresh, idempotencyKey, options.headers);
      const attempt = attemptSignal(options.signal, timeout, origin);
      const ctx: AttemptContext = { headers, signal: attempt.signal, ...(stream ? { onOpen: attempt.clearTimeout } : {}) };
      if (debug) logger.debug(`${op.id} → ${this.config.wire.name} ${url}`, { attempt: retry + 1, headers: redactHeaders(headers) });
      let error: SovrenError;
      try {
        return await settledOrAborted(run(ctx, attempt), attempt.signal);
      } catch (e) {
        error = attempt.classify(e);
        // Settles nothing if the attempt is still running (a fetch that ignores its signal): detaches it.
        if (attempt.signal.aborted) attempt.release();
      }
      if (AuthenticationError.is(error) && this.config.canRefreshToken && !refreshed && newTokenMayHelp(error)) {
        refresh = refreshed = true;
        logger.debug(`${op.id}: 401, asking the token provider for a new token`);
        continue;
      }
      refresh = false;
      if (retry >= maxRetries || !shouldRetry(error)) {
        logger.debug(`${op.id} failed: ${error.name}: ${error.message}`);
        throw error;
      }
      const delay = retryDelayMs(retry, (error as { headers?: Headers }).headers, this.config.random);
      retry++;
      const cause = redactSecrets(`${error.name}: ${error.message}`, headers);
      logger.info(`${op.id}: attempt ${retry} of ${maxRetries + 1} failed (${cause}); retrying in ${delay} ms`, {
        attempt: retry,
        maxRetries,
        delayMs: delay,
        error: error.name,
        ...retryFacts(error),
      });
      await sleep(delay, options.signal);
    }
  }

  async #headers(refresh: boolean, idempotencyKey: string | undefined, extra: RequestOptions["headers"]): Promise<Headers> {
    const headers = await this.config.baseHeaders(refresh);
    if (idempotencyKey) headers.set("idempotency-key", idempotencyKey);
    for (const [name, value] of Object.entries(extra ?? {})) {
      if (value === null) headers.delete(name);
      else if (value !== undefined) headers.set(name, value);
    }
    return headers;
  }
}

/** What a retry log line says about the error besides its message. */
function retryFacts(error: SovrenError): Record<string, string | number> {
  const facts: Record<string, string | number | undefined> = {
    status: (error as APIError).status,
    code: (error as APIError).code,
    systemCode: (error as { systemCode?: string }).systemCode,
    requestId: (error as APIError).requestId,
  };
  return Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined)) as Record<string, string | number>;
}

/**
 * The text with every credential the request carried (API key, bearer token,
 * other secret headers) replaced by `***`, in case an error message quotes one.
 */
function redactSecrets(text: string, headers: Headers): string {
  let out = text;
  const redacted = redactHeaders(headers);
  headers.forEach((value, name) => {
    if (redacted[name] !== "***") return;
    for (const secret of [value, value.replace(/^\S+\s+/, "")]) {
      if (secret.length >= 4) out = out.split(secret).join("***");
    }
  });
  return out;
}

/**
 * The attempt's result, or its signal's reason as soon as the signal aborts
 * (the caller's abort or the attempt's timeout): a custom fetch or transport
 * that ignores the signal cannot hold the call.
 */
function settledOrAborted<R>(running: Promise<R>, signal: AbortSignal): Promise<R> {
  if (signal.aborted) {
    running.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<R>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    running.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * Whether a 401 is worth one more attempt with a fresh token from `getToken`:
 * yes unless the server's Bearer challenge (RFC 6750 §3) names an error other
 * than `invalid_token` (expired, revoked, malformed): after
 * `error="invalid_request"` a new token would be refused the same way. No
 * challenge, or one with no error (credentials missing), gets the refresh.
 */
export function newTokenMayHelp(error: APIError): boolean {
  const challenge = error.headers.get("www-authenticate");
  const code = challenge ? /\berror\s*=\s*"?([^",\s]+)/i.exec(challenge)?.[1] : undefined;
  return code === undefined || code.toLowerCase() === "invalid_token";
}
