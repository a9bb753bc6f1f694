import type { components } from "@sovren/contracts/openapi";
import type { ErrorCode, FieldViolation } from "../core/errors.js";
import type { OperationId } from "../internal/operations.js";
import { fixtures } from "./fixtures.js";
import { advance, mockHandlers, type MockState } from "./mock-handlers.js";
import { MockProblem } from "./mock-problem.js";

type S = components["schemas"];
type Json = Record<string, unknown>;

export interface RecordedCall {
  operation: OperationId;
  /** The request as the proto request message's JSON (path, query and body merged). */
  input: Json;
  headers: Headers;
}

export interface MockFault {
  code: ErrorCode;
  message?: string;
  /** Response headers, e.g. `{ "retry-after-ms": "10" }`. */
  headers?: Record<string, string>;
  /** How many calls in a row fail (default 1). */
  times?: number;
  /** Per-field violations, e.g. `[{ field: "name", message: "Too small" }]`. */
  errors?: FieldViolation[];
}

export interface MockBackendOptions {
  /** When set, only these credentials pass; anything else gets 401 / `unauthenticated` ("token expired"). */
  auth?: { tokens?: string[]; apiKeys?: string[] };
}

export type MockOverride = (input: Json, headers: Headers) => Json | Promise<Json>;

const wait = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * An in-memory Sovren: the state, plus fault injection, delays, overrides and
 * a record of every call. The msw handlers and the Connect router both serve it.
 */
export class MockSovrenBackend {
  readonly state: MockState = { executives: new Map(), operations: new Map(), communications: new Map() };
  readonly calls: RecordedCall[] = [];
  auth: MockBackendOptions["auth"];
  #faults = new Map<OperationId, MockFault[]>();
  #delays = new Map<OperationId, number[]>();
  #overrides = new Map<OperationId, MockOverride>();
  #replays = new Map<string, { body: string; response: Json }>();
  #watchers = new Set<(c: S["Communication"]) => void>();
  #requests = 0;

  constructor(options: MockBackendOptions = {}) {
    this.auth = options.auth;
  }

  /** Forgets all state, calls, faults, delays, overrides and auth. */
  reset(): this {
    for (const map of Object.values(this.state)) map.clear();
    this.calls.length = 0;
    this.auth = undefined;
    this.#faults.clear();
    this.#delays.clear();
    this.#overrides.clear();
    this.#replays.clear();
    return this;
  }

  /** Adds `count` executives (named "Executive 1"…) and returns them. */
  seedExecutives(count: number): S["Executive"][] {
    return Array.from({ length: count }, (_, i) => {
      const executive = fixtures.executive({ name: `Executive ${this.state.executives.size + 1}`, role: i % 2 ? "CFO" : "CSO" });
      this.state.executives.set(executive.id, executive);
      return executive;
    });
  }

  /** The next call(s) to `operation` fail with this error. */
  failNext(operation: OperationId, fault: MockFault): this {
    const queue = this.#faults.get(operation) ?? [];
    for (let i = 0; i < (fault.times ?? 1); i++) queue.push(fault);
    this.#faults.set(operation, queue);
    return this;
  }

  /** The next call(s) to `operation` take `ms` longer. */
  delayNext(operation: OperationId, ms: number, times = 1): this {
    this.#delays.set(operation, [...(this.#delays.get(operation) ?? []), ...Array<number>(times).fill(ms)]);
    return this;
  }

  /** Answers `operation` with your handler (return the JSON of the RPC's response message). */
  override(operation: OperationId, handler: MockOverride | undefined): this {
    if (handler) this.#overrides.set(operation, handler);
    else this.#overrides.delete(operation);
    return this;
  }

  callsTo(operation: OperationId): RecordedCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  nextRequestId(): string {
    return `req_mock_${++this.#requests}`;
  }

  async #admit(operation: OperationId, input: Json, headers: Headers, signal?: AbortSignal): Promise<void> {
    this.calls.push({ operation, input, headers: new Headers(headers) });
    const delay = this.#delays.get(operation)?.shift();
    if (delay) await wait(delay, signal);
    if (this.auth && operation !== "checkHealth" && operation !== "checkReadiness") {
      const token = headers.get("authorization")?.replace(/^Bearer /, "");
      const key = headers.get("x-api-key");
      const ok = (token && this.auth.tokens?.includes(token)) || (key && this.auth.apiKeys?.includes(key));
      if (!ok) {
        throw new MockProblem("unauthenticated", "token expired", {
          "www-authenticate": 'Bearer error="invalid_token", error_description="token expired"',
        });
      }
    }
    const fault = this.#faults.get(operation)?.shift();
    if (fault) throw new MockProblem(fault.code, fault.message ?? fault.code, fault.headers, fault.errors);
  }

  /** Serves one unary call: the JSON request message in, the JSON response message out. */
  async handle(operation: OperationId, input: Json, headers: Headers, signal?: AbortSignal): Promise<Json> {
    await this.#admit(operation, input, headers, signal);
    const key = headers.get("idempotency-key");
    const body = JSON.stringify(input);
    const replay = key ? this.#replays.get(`${operation}:${key}`) : undefined;
    if (replay) {
      if (replay.body !== body) throw new MockProblem("invalid_argument", "idempotency key reused with another body");
      return replay.response;
    }
    // An override gets what its type says (the request message and headers); the built-in handlers also get the state.
    const override = this.#overrides.get(operation);
    const handler = mockHandlers[operation];
    if (!override && !handler) throw new MockProblem("unimplemented", `${operation} is not a unary operation`);
    const response = override ? await override(input, headers) : await handler!(this.state as never, input as never);
    if (key) this.#replays.set(`${operation}:${key}`, { body, response });
    if (operation === "sendCommunication") this.#watchers.forEach((w) => w(response["communication"] as S["Communication"]));
    return response;
  }

  /** Serves one server stream: the JSON of each event. */
  async *stream(operation: OperationId, input: Json, headers: Headers, signal?: AbortSignal): AsyncGenerator<Json> {
    await this.#admit(operation, input, headers, signal);
    if (operation === "watchOperation") {
      const id = String(input["operationId"]);
      let op = this.state.operations.get(id);
      if (!op) throw new MockProblem("not_found", `operation ${id} not found`);
      for (;;) {
        yield { operation: op };
        if (op.done || signal?.aborted) return;
        await wait(5, signal);
        op = advance(op);
        this.state.operations.set(id, op);
      }
    }
    if (operation !== "watchCommunications") throw new MockProblem("unimplemented", `${operation} is not a stream`);
    const queue: S["Communication"][] = [];
    let wake: (() => void) | undefined;
    const watcher = (c: S["Communication"]) => {
      if (!input["executiveId"] || c.executiveId === input["executiveId"]) queue.push(c);
      wake?.();
    };
    this.#watchers.add(watcher);
    signal?.addEventListener("abort", () => wake?.(), { once: true });
    try {
      while (!signal?.aborted) {
        const next = queue.shift();
        if (next) yield { communication: next };
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      this.#watchers.delete(watcher);
    }
  }
}
