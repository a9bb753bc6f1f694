import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ValidationError,
  SovrenError,
  WaitTimeoutError,
  DEFAULT_WAIT_TIMEOUT_MS,
  type ErrorCode,
} from "../src/index.js";
import { fixtures } from "../src/testing.js";
import { TRANSPORTS, startHarness, type Harness } from "./support/transports.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.backend.reset();
  // Zero backoff unless a test says otherwise: the delay is random() * cap.
  vi.spyOn(Math, "random").mockReturnValue(0);
  return () => vi.restoreAllMocks();
});

const TITLES: Record<number, string> = {
  400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
  429: "Too Many Requests", 500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable",
};

const catchError = (p: Promise<unknown>) => p.then(() => expect.fail("expected a rejection"), (e: unknown) => e);

describe.each(TRANSPORTS)("%s", (transport) => {
  const client = (options = {}) => h.client(transport, { apiKey: "key-1", tenantId: "tenant-1", ...options });

  it("commissions, gets, updates and retires an executive, with request ids", async () => {
    const sovren = client();
    const created = await sovren.executives.commission({ name: "Aurora", role: "Chief Strategy Officer", skills: ["forecasting"] });
    expect(created).toMatchObject({ status: "active", message: "Executive Aurora created successfully" });
    const { data, requestId } = await sovren.executives.get(created.executiveId).withResponse();
    expect(data).toMatchObject({ id: created.executiveId, name: "Aurora", state: "EXECUTIVE_STATE_ACTIVE" });
    expect(requestId).toMatch(/^req_mock_/);
    expect((data as { _requestId?: string })._requestId).toBe(requestId);
    expect(Object.keys(data)).not.toContain("_requestId");
    const updated = await sovren.executives.update(created.executiveId, { role: "CEO" });
    expect(updated.role).toBe("CEO");
    const retired = await sovren.executives.retire(created.executiveId, { reason: "done" });
    expect(retired.state).toBe("EXECUTIVE_STATE_RETIRED");
    const headers = h.backend.callsTo("getExecutive")[0]!.headers;
    expect(headers.get("x-api-key")).toBe("key-1");
    expect(headers.get("x-tenant-id")).toBe("tenant-1");
    expect(headers.get("idempotency-key")).toBeNull();
  });

  it("paginates: first page on await, every item with for await, page by page", async () => {
    h.backend.seedExecutives(7);
    const sovren = client();
    const first = await sovren.executives.list({ pageSize: 3 });
    expect(first.data).toHaveLength(3);
    expect(first.hasNextPage()).toBe(true);
    const names: string[] = [];
    for await (const e of sovren.executives.list({ pageSize: 3 })) names.push(e.name);
    expect(names).toEqual(["Executive 7", "Executive 6", "Executive 5", "Executive 4", "Executive 3", "Executive 2", "Executive 1"]);
    const sizes: number[] = [];
    for await (const page of sovren.executives.list({ pageSize: 3 }).iterPages()) sizes.push(page.data.length);
    expect(sizes).toEqual([3, 3, 1]);
    const second = await first.getNextPage();
    expect(second.data[0]!.name).toBe("Executive 4");
  });

  it("retries unavailable and reuses the idempotency key", async () => {
    h.backend.failNext("commissionExecutive", { code: "unavailable", times: 2 });
    const created = await client().executives.commission({ name: "Nova", role: "CFO" });
    expect(created.status).toBe("active");
    const keys = h.backend.callsTo("commissionExecutive").map((c) => c.headers.get("idempotency-key"));
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^sovren-retry-[0-9a-f-]{36}$/);
  });

  it("sends the caller's idempotency key", async () => {
    await client().executives.commission({ name: "Key", role: "CFO" }, { idempotencyKey: "my-key-1" });
    expect(h.backend.callsTo("commissionExecutive")[0]!.headers.get("idempotency-key")).toBe("my-key-1");
  });

  it("respects maxRetries, per client and per call", async () => {
    h.backend.failNext("getOperation", { code: "unavailable", times: 10 });
    const err = await catchError(client({ maxRetries: 1 }).operations.get(crypto.randomUUID()));
    expect(err).toBeInstanceOf(InternalServerError);
    expect(h.backend.callsTo("getOperation")).toHaveLength(2);
    await catchError(client({ maxRetries: 5 }).operations.get(crypto.randomUUID(), { maxRetries: 0 }));
    expect(h.backend.callsTo("getOperation")).toHaveLength(3);
  });

  it("retries 409 aborted (a concurrent request with the key) but not already_exists", async () => {
    const [exec] = h.backend.seedExecutives(1);
    h.backend.failNext("getExecutive", { code: "aborted" });
    await client().executives.get(exec!.id);
    expect(h.backend.callsTo("getExecutive")).toHaveLength(2);
    h.backend.failNext("commissionExecutive", { code: "already_exists" });
    expect(await catchError(client().executives.commission({ name: "Dup", role: "CFO" }))).toBeInstanceOf(ConflictError);
    expect(h.backend.callsTo("commissionExecutive")).toHaveLength(1);
  });

  it("honours retry-after-ms and Retry-After", async () => {
    const [exec] = h.backend.seedExecutives(1);
    h.backend.failNext("getExecutive", { code: "resource_exhausted", headers: { "retry-after-ms": "150" } });
    let started = Date.now();
    await client().executives.get(exec!.id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    h.backend.failNext("getExecutive", { code: "unavailable", headers: { "retry-after": "1" } });
    started = Date.now();
    await client().executives.get(exec!.id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
  });

  it("stops at once when aborted during backoff", async () => {
    h.backend.failNext("getExecutive", { code: "unavailable", headers: { "retry-after-ms": "10000" } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const err = await catchError(client().executives.get(crypto.randomUUID(), { signal: controller.signal }));
    expect(err).toBeInstanceOf(APIUserAbortError);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(h.backend.callsTo("getExecutive")).toHaveLength(1);
  });

  it("times out an attempt, retries it, and gives up after maxRetries", async () => {
    const [exec] = h.backend.seedExecutives(1);
    h.backend.delayNext("getExecutive", 1_000);
    expect((await client({ timeout: 150 }).executives.get(exec!.id)).id).toBe(exec!.id);
    expect(h.backend.callsTo("getExecutive")).toHaveLength(2);
    h.backend.delayNext("getExecutive", 1_000, 2);
    const err = await catchError(client().executives.get(exec!.id, { timeout: 100, maxRetries: 1 }));
    expect(err).toBeInstanceOf(APIConnectionTimeoutError);
  });

  const kinds: [ErrorCode, typeof APIError, number][] = [
    ["invalid_argument", BadRequestError, 400],
    ["unauthenticated", AuthenticationError, 401],
    ["permission_denied", PermissionDeniedError, 403],
    ["not_found", NotFoundError, 404],
    ["already_exists", ConflictError, 409],
    ["failed_precondition", ConflictError, 409],
    ["resource_exhausted", RateLimitError, 429],
    ["internal", InternalServerError, 500],
    ["unavailable", InternalServerError, 503],
    ["unimplemented", InternalServerError, 501],
  ];
  it.each(kinds)("maps %s to its error class", async (code, Class, status) => {
    h.backend.failNext("getOperation", { code, message: `boom ${code}` });
    const err = (await catchError(client({ maxRetries: 0 }).operations.get(crypto.randomUUID()))) as APIError;
    expect(err).toBeInstanceOf(Class);
    expect(Class.is(err)).toBe(true);
    expect(err.name).toBe(Class.errorName);
    expect(err).toMatchObject({ status, code });
    // One title per code (the status's reason phrase) on every transport.
    expect(err.problem?.title).toBe(TITLES[status]);
    expect(err.message).toContain(`boom ${code}`);
    expect(err.requestId).toMatch(/^req_mock_/);
  });

  it("reads the server's field violations into err.errors, the same on every transport", async () => {
    const errors = [
      { field: "role", message: "Too small: expected string to have >=1 characters" },
      { field: "skills.1", message: "must not contain NUL" },
    ];
    h.backend.failNext("commissionExecutive", { code: "invalid_argument", message: "invalid body", errors });
    const err = (await catchError(client({ maxRetries: 0 }).executives.commission({ role: "CFO", name: "Vega" }))) as BadRequestError;
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err.errors).toEqual(errors);
    expect(err.problem?.errors).toEqual(errors);
    // One request id, never "id, id" (gRPC merges headers and trailers).
    expect(err.requestId).toMatch(/^req_mock_\d+$/);
  });

  it("rejects invalid input before sending, naming the field", async () => {
    const err = (await catchError(client().executives.commission({ name: "x".repeat(101), role: "CFO" }))) as ValidationError;
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err.source).toBe("request");
    expect(err.message).toContain("name: Too big: expected string to have <=100 characters");
    expect(err.errors[0]).toMatchObject({ field: "name" });
    expect(await catchError(client().executives.get("not-a-uuid"))).toBeInstanceOf(ValidationError);
    expect(h.backend.calls).toHaveLength(0);
  });

  it("refuses what the server refuses, with the same generated validators: NUL, lone surrogates, bounds, page tokens", async () => {
    const cases: [string, () => Promise<unknown>, string][] = [
      ["NUL in name", () => client().executives.commission({ name: "a\u0000b", role: "CFO" }), "name"],
      ["lone surrogate in a skill", () => client().executives.commission({ name: "n", role: "CFO", skills: ["a\ud800b"] }), "skills.0"],
      ["NUL in a filter", () => client().executives.list({ role: "\u0000" }), "role"],
      ["huge factor", () => client().simulations.run({ userId: "u", scenario: "s", factors: [{ name: "f", weight: 1e308, mean: 1e308, stddev: 1 }] }), "factors.0.weight"],
      ["threshold past its bound", () => client().simulations.run({ userId: "u", scenario: "s", threshold: 1e16 }), "threshold"],
    ];
    for (const [what, call, field] of cases) {
      const err = (await catchError(call())) as ValidationError;
      expect(err, what).toBeInstanceOf(ValidationError);
      expect(err.errors.map((e) => e.field), what).toContain(field);
    }
    expect(h.backend.calls).toHaveLength(0);
  });

  it("rejects a response that breaks the contract", async () => {
    h.backend.override("getExecutive", () => ({ executive: { id: "not-a-uuid", name: "Bad", role: "CFO" } }));
    const err = (await catchError(client().executives.get(crypto.randomUUID()))) as ValidationError;
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.source).toBe("response");
    expect(err.message).toMatch(/id: Invalid GUID/);
    expect(h.backend.calls).toHaveLength(1);
  });

  it("asks the token provider again once after a 401", async () => {
    h.backend.auth = { tokens: ["fresh"] };
    const getToken = vi.fn(({ forceRefresh }: { forceRefresh: boolean }) => (forceRefresh ? "fresh" : "stale"));
    const health = await client({ apiKey: undefined, getToken }).executives.list();
    expect(health.data).toEqual([]);
    expect(getToken.mock.calls.map((c) => c[0].forceRefresh)).toEqual([false, true]);
    expect(h.backend.callsTo("listExecutives").map((c) => c.headers.get("authorization"))).toEqual(["Bearer stale", "Bearer fresh"]);
    getToken.mockImplementation(() => "stale");
    expect(await catchError(client({ apiKey: undefined, getToken }).executives.list())).toBeInstanceOf(AuthenticationError);
  });

  it("refreshes after a 401 only if a new token may help, and never with a static token", async () => {
    const getToken = vi.fn(({ forceRefresh }: { forceRefresh: boolean }) => (forceRefresh ? "fresh" : "stale"));
    const sovren = client({ apiKey: undefined, getToken, maxRetries: 0 });
    h.backend.failNext("listExecutives", { code: "unauthenticated", headers: { "www-authenticate": 'Bearer error="invalid_token"' } });
    expect((await sovren.executives.list()).data).toEqual([]);
    expect(getToken.mock.calls.map((c) => c[0].forceRefresh)).toEqual([false, true]);

    getToken.mockClear();
    h.backend.failNext("listExecutives", { code: "unauthenticated", headers: { "www-authenticate": 'Bearer realm="sovren", error="invalid_request"' } });
    expect(await catchError(sovren.executives.list())).toBeInstanceOf(AuthenticationError);
    expect(getToken.mock.calls.map((c) => c[0].forceRefresh)).toEqual([false]);

    h.backend.calls.length = 0;
    h.backend.failNext("listExecutives", { code: "unauthenticated" });
    expect(await catchError(client({ apiKey: undefined, token: "static", maxRetries: 2 }).executives.list())).toBeInstanceOf(AuthenticationError);
    expect(h.backend.callsTo("listExecutives")).toHaveLength(1);
  });

  it("gives up waiting after the overall timeout with WaitTimeoutError and the last state", async () => {
    const sovren = client();
    const op = await sovren.simulations.run({ userId: "u1", scenario: "Slow" });
    const running = () => ({ operation: fixtures.operation({ operationId: op.operationId, state: "OPERATION_STATE_RUNNING", done: false, progress: 0.25 }) });
    h.backend.override("waitOperation", running);
    const started = Date.now();
    const err = await catchError(sovren.operations.wait(op.operationId, { timeout: 300, pollInterval: 50 }));
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect(WaitTimeoutError.is(err) && err.operation?.state).toBe("OPERATION_STATE_RUNNING");
    expect(err).toMatchObject({ operationId: op.operationId, timeout: 300, message: expect.stringContaining("not done after 300 ms") });
    expect(Date.now() - started).toBeLessThan(1_500);

    // A poll still in flight at the deadline is cut short.
    h.backend.override("waitOperation", () => new Promise((resolve) => setTimeout(() => resolve(running()), 3_000)));
    const cut = Date.now();
    const inFlight = await catchError(sovren.operations.wait(op.operationId, { timeout: 200 }));
    expect(inFlight).toBeInstanceOf(WaitTimeoutError);
    expect((inFlight as WaitTimeoutError).operation).toBeUndefined();
    expect(Date.now() - cut).toBeLessThan(1_500);

    // The caller's own abort stays an abort.
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    expect(await catchError(sovren.operations.wait(op.operationId, { timeout: 10_000, signal: controller.signal }))).toBeInstanceOf(APIUserAbortError);
  });

  it("runs a simulation and waits for it, reporting progress", async () => {
    const sovren = client();
    const op = await sovren.simulations.run({ userId: "u1", scenario: "Enter APAC" });
    expect(op.state).toBe("OPERATION_STATE_PENDING");
    const seen: number[] = [];
    const done = await sovren.operations.wait(op.operationId, { pollInterval: 1, onProgress: (o) => seen.push(o.progress) });
    expect(done).toMatchObject({ done: true, state: "OPERATION_STATE_SUCCEEDED", result: { outcome: "favorable" } });
    expect(seen).toEqual([0.5, 1]);
  });

  it("reports every progress change while waiting, holding each poll at most progressInterval", async () => {
    const sovren = client();
    const op = await sovren.simulations.run({ userId: "u1", scenario: "Progress" });
    // The server holds each poll for its timeout and reports the progress of that moment.
    const steps = [0.1, 0.1, 0.4, 0.7, 0.7, 1];
    let i = 0;
    const timeouts: string[] = [];
    h.backend.override("waitOperation", async (input) => {
      timeouts.push(String(input.timeout));
      await new Promise((r) => setTimeout(r, 30));
      const progress = steps[Math.min(i++, steps.length - 1)]!;
      const done = progress === 1;
      return {
        operation: fixtures.operation({
          operationId: op.operationId,
          state: done ? "OPERATION_STATE_SUCCEEDED" : "OPERATION_STATE_RUNNING",
          done,
          progress,
        }),
      };
    });
    const seen: number[] = [];
    const done = await sovren.operations.wait(op.operationId, { progressInterval: 30, onProgress: (o) => seen.push(o.progress) });
    expect(done.done).toBe(true);
    expect(seen).toEqual([0.1, 0.4, 0.7, 1]);
    // Each poll asked the server to answer within progressInterval, not the 30 s long poll.
    expect(new Set(timeouts.map((t) => parseFloat(t)))).toEqual(new Set([0.03]));
  });

  it("has a default overall deadline of ten minutes, and Infinity waits without one", async () => {
    const sovren = client();
    const op = await sovren.simulations.run({ userId: "u1", scenario: "Deadline" });
    h.backend.override("waitOperation", () => ({
      operation: fixtures.operation({ operationId: op.operationId, state: "OPERATION_STATE_SUCCEEDED", done: true, progress: 1 }),
    }));
    expect(DEFAULT_WAIT_TIMEOUT_MS).toBe(600_000);
    expect((await sovren.operations.wait(op.operationId, { timeout: Infinity })).done).toBe(true);
    expect(parseFloat(String(h.backend.callsTo("waitOperation").at(-1)!.input.timeout))).toBe(30);
    expect(await catchError(sovren.operations.wait(op.operationId, { timeout: -1 }))).toBeInstanceOf(SovrenError);
  });

  it("watches an operation until it is done", async () => {
    const sovren = client();
    const op = await sovren.simulations.run({ userId: "u1", scenario: "Watch me" });
    const states: string[] = [];
    for await (const o of sovren.operations.watch(op.operationId)) states.push(o.state);
    expect(states).toEqual(["OPERATION_STATE_PENDING", "OPERATION_STATE_RUNNING", "OPERATION_STATE_SUCCEEDED"]);
  });

  it("watches communications live", async () => {
    const sovren = client();
    const [exec] = h.backend.seedExecutives(1);
    const stream = sovren.communications.watch({ executiveId: exec!.id });
    const received: string[] = [];
    setTimeout(() => void sovren.communications.send({ executiveId: exec!.id, recipient: "cfo@example.com", message: "hello" }), 100);
    for await (const c of stream) {
      received.push(c.message);
      break;
    }
    expect(received).toEqual(["hello"]);
  });

  it("maps a stream's opening error too", async () => {
    expect(await catchError((async () => { for await (const _ of client().operations.watch(crypto.randomUUID())) void _; })())).toBeInstanceOf(NotFoundError);
  });
});
