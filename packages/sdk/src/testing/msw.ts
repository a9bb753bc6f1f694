import { operations as contract } from "@sovren/contracts/zod-mini";
import type { HttpHandler } from "msw";
import { mswRuntime } from "./msw-runtime.js";
import { DEFAULT_BASE_URL } from "../client.js";
import { statusForCode, titleForStatus } from "../core/error-factory.js";
import { allOperationIds, operationSpec, type OperationId } from "../internal/operations.js";
import type { MockSovrenBackend } from "./mock-backend.js";
import { MockProblem } from "./mock-problem.js";

type Json = Record<string, unknown>;

export interface SovrenHandlersOptions {
  backend: MockSovrenBackend;
  /** The client's baseUrl (default `http://localhost:8080`). */
  baseUrl?: string;
}

// The success status of each operation, as the OpenAPI document gives it.
const CREATED: Partial<Record<OperationId, number>> = { commissionExecutive: 201, sendCommunication: 201, runSimulation: 202 };

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function matcher(baseUrl: string, path: string) {
  const names: string[] = [];
  const pattern = escape(path).replace(/\\\{(\w+)\\\}/g, (_, name: string) => (names.push(name), "([^/:?]+)"));
  return { regex: new RegExp(`^${escape(baseUrl.replace(/\/+$/, ""))}${pattern}(\\?.*)?$`), names };
}

function problemResponse(error: unknown, requestId: string, instance: string) {
  const p = error instanceof MockProblem ? error : new MockProblem("internal", String(error));
  const status = statusForCode(p.code);
  return mswRuntime().HttpResponse.json(
    { type: "about:blank", title: titleForStatus(status), status, detail: p.message, instance, code: p.code, requestId, ...(p.errors.length ? { errors: p.errors } : {}) },
    { status, headers: { "content-type": "application/problem+json", "x-request-id": requestId, ...p.headers } },
  );
}

/** Reads path, query and body into the JSON of the proto request message. */
async function readInput(request: Request, id: OperationId, regex: RegExp, names: string[]): Promise<Json> {
  const url = new URL(request.url);
  const match = regex.exec(request.url.split("?")[0] ?? "");
  const input: Json = {};
  names.forEach((name, i) => (input[name] = decodeURIComponent(match?.[i + 1] ?? "")));
  for (const key of Object.keys(contract[id].query.shape)) {
    const value = url.searchParams.get(key);
    if (value !== null) input[key] = key === "pageSize" ? Number(value) : value;
  }
  const text = request.method === "GET" ? "" : await request.text();
  return text ? { ...(JSON.parse(text) as Json), ...input } : input;
}

function eventStream(events: AsyncGenerator<Json>, first: IteratorResult<Json>, abort: () => void): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let next: IteratorResult<Json> | undefined = first;
  return new ReadableStream({
    async pull(controller) {
      const item = next ?? (await events.next());
      next = undefined;
      if (item.done) controller.close();
      else controller.enqueue(encoder.encode(`data: ${JSON.stringify(item.value)}\n\n`));
    },
    async cancel() {
      abort();
      await events.return(undefined);
    },
  });
}

/** msw handlers for every operation of the contract, served by `backend`. */
export function createSovrenHandlers({ backend, baseUrl = DEFAULT_BASE_URL }: SovrenHandlersOptions): HttpHandler[] {
  return allOperationIds().map((id) => {
    const rest = contract[id];
    const spec = operationSpec(id);
    const { regex, names } = matcher(baseUrl, rest.path);
    const method = rest.method.toLowerCase() as "get" | "post" | "patch";
    return mswRuntime().http[method](regex, async ({ request }) => {
      const requestId = backend.nextRequestId();
      const instance = new URL(request.url).pathname;
      try {
        const input = await readInput(request, id, regex, names);
        if (spec.stream) {
          const controller = new AbortController();
          request.signal.addEventListener("abort", () => controller.abort(), { once: true });
          const events = backend.stream(id, input, request.headers, controller.signal);
          const first = await events.next();
          return new (mswRuntime().HttpResponse)(eventStream(events, first, () => controller.abort()), {
            headers: { "content-type": "text/event-stream", "x-request-id": requestId },
          });
        }
        const message = await backend.handle(id, input, request.headers, request.signal);
        const body = spec.unwrap ? message[spec.unwrap] : message;
        return mswRuntime().HttpResponse.json(body as Json, { status: CREATED[id] ?? 200, headers: { "x-request-id": requestId } });
      } catch (error) {
        return problemResponse(error, requestId, instance);
      }
    });
  });
}
