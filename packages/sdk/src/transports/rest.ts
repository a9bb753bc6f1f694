import type { components, paths } from "@sovren/contracts/openapi";
import createClient, { type Client } from "openapi-fetch";
import { codeForStatus, makeAPIError } from "../core/error-factory.js";
import type { APIError } from "../core/errors.js";
import { restOperation, type OperationSpec } from "../internal/operations.js";
import { parseEventStream } from "./sse.js";
import type { AttemptContext, StreamResult, UnaryResult, Wire } from "./types.js";

export type RestClient = Client<paths, "application/json">;
type Problem = components["schemas"]["Problem"];

/**
 * openapi-fetch hands its fetch a `Request`, whose body can be read once. The
 * client's `fetch` is called as `fetch(url, init)` instead, as connect-web
 * calls it, with the JSON body as a string: a wrapper may build
 * `new Request(url, init)`, read `init.body` or call the inner fetch again,
 * and every attempt (a retry too) is a fresh call with a fresh `init`.
 */
export function createRestClient(baseUrl: string, fetch: typeof globalThis.fetch | undefined): RestClient {
  return createClient<paths>({
    baseUrl,
    // No custom fetch: hand the platform's fetch the Request as it is (no
    // copy of the body; this is the per-call path the benchmark measures).
    fetch: !fetch
      ? (request: Request) => globalThis.fetch(request)
      : async (request: Request) =>
          fetch(request.url, {
            method: request.method,
            headers: request.headers,
            body: request.body ? await request.text() : undefined,
            signal: request.signal,
          }),
  });
}

function split(op: OperationSpec, input: Record<string, unknown>) {
  const rest = restOperation(op.id);
  const path: Record<string, unknown> = {};
  const query: Record<string, unknown> = {};
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if ((rest.pathParams as readonly string[]).includes(key)) path[key] = value;
    else if ((rest.query as readonly string[]).includes(key)) query[key] = value;
    else body[key] = value;
  }
  return { rest, path, query, body: rest.body ? body : undefined };
}

function isProblem(value: unknown): value is Problem {
  return typeof value === "object" && value !== null && "status" in value && "code" in value;
}

/** Builds the SDK error for a non-2xx response from its problem+json body. */
export function errorFromResponse(response: Response, body: unknown): APIError {
  const problem = isProblem(body) ? body : undefined;
  const message = problem
    ? `${response.status} ${problem.code}: ${problem.detail ?? problem.title}`
    : `${response.status} ${typeof body === "string" && body ? body.slice(0, 200) : response.statusText || "error"}`;
  return makeAPIError(message, {
    status: response.status,
    code: problem?.code ?? codeForStatus(response.status),
    problem,
    headers: response.headers,
  });
}

/** REST over openapi-fetch: one attempt per call, JSON in and out. */
export function restWire(client: RestClient, baseUrl: string): Wire {
  const call = (op: OperationSpec, input: Record<string, unknown>, ctx: AttemptContext, stream: boolean) => {
    const { rest, path, query, body } = split(op, input);
    const method = rest.method.toLowerCase() as "get";
    // openapi-fetch's per-path typing is for callers who name a path; this
    // generic dispatcher goes through the contract table instead.
    const request = client.request as unknown as (m: string, url: string, init: object) => ReturnType<RestClient["GET"]>;
    return request(method, rest.path, {
      params: { path, query },
      ...(body !== undefined ? { body } : {}),
      headers: stream ? withAccept(ctx.headers) : ctx.headers,
      signal: ctx.signal,
      parseAs: stream ? "stream" : "json",
    });
  };

  return {
    name: "rest",
    url(op, input) {
      const { rest, path } = split(op, input);
      const filled = rest.path.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(String(path[k] ?? "")));
      return `${baseUrl.replace(/\/$/, "")}${filled}`;
    },
    async unary(op, input, ctx): Promise<UnaryResult> {
      const { data, error, response } = await call(op, input, ctx, false);
      if (!response.ok) throw errorFromResponse(response, error);
      return { data, status: response.status, headers: response.headers, response };
    },
    async stream(op, input, ctx): Promise<StreamResult> {
      const { data, error, response } = await call(op, input, ctx, true);
      if (!response.ok) throw errorFromResponse(response, error);
      ctx.onOpen?.();
      const bodyStream = data as unknown as ReadableStream<Uint8Array> | null;
      async function* events() {
        if (!bodyStream) return;
        for await (const text of parseEventStream(bodyStream)) yield JSON.parse(text) as unknown;
      }
      return { status: response.status, headers: response.headers, response, events: events() };
    },
  };
}

function withAccept(headers: Headers): Headers {
  const copy = new Headers(headers);
  copy.set("accept", "text/event-stream");
  return copy;
}
