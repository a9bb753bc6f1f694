import { fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { ConnectError, createRouterTransport, type ConnectRouter, type HandlerContext, type Transport } from "@connectrpc/connect";
import { BadRequestSchema } from "@sovren/contracts/grpc";
import type { OperationId } from "../internal/operations.js";
import { services } from "../internal/rpc.js";
import { CODES } from "../transports/connect.js";
import type { MockSovrenBackend } from "./mock-backend.js";
import { MockProblem } from "./mock-problem.js";

// The request id is already a response header (begin): not repeated in the
// error's metadata, which gRPC clients would merge into "id, id".
function toConnectError(error: unknown): ConnectError {
  const p = error instanceof MockProblem ? error : new MockProblem("internal", String(error));
  const details = p.errors.length
    ? [{ desc: BadRequestSchema, value: { fieldViolations: p.errors.map((v) => ({ field: v.field, description: v.message })) } }]
    : [];
  return new ConnectError(p.message, CODES.indexOf(p.code) + 1, { ...p.headers }, details);
}

/**
 * Connect routes for every service, served by `backend`. Use them with
 * `connectNodeAdapter({ routes })` for a real Connect/gRPC/gRPC-Web server,
 * or through `createSovrenRouterTransport` in memory.
 */
export function sovrenRoutes(backend: MockSovrenBackend): (router: ConnectRouter) => void {
  return (router) => {
    for (const service of Object.values(services)) {
      const impl: Record<string, unknown> = {};
      for (const method of service.methods) {
        const id = method.localName as OperationId;
        const input = (req: unknown) => toJson(method.input, req as never) as Record<string, unknown>;
        const begin = (ctx: HandlerContext) => {
          const requestId = backend.nextRequestId();
          ctx.responseHeader.set("x-request-id", requestId);
          return requestId;
        };
        if (method.methodKind === "unary") {
          impl[method.localName] = async (req: unknown, ctx: HandlerContext) => {
            begin(ctx);
            try {
              const out = await backend.handle(id, input(req), ctx.requestHeader, ctx.signal);
              return fromJson(method.output, out as JsonValue);
            } catch (e) {
              throw toConnectError(e);
            }
          };
        } else {
          impl[method.localName] = async function* (req: unknown, ctx: HandlerContext) {
            begin(ctx);
            try {
              for await (const event of backend.stream(id, input(req), ctx.requestHeader, ctx.signal)) {
                yield fromJson(method.output, event as JsonValue);
              }
            } catch (e) {
              throw toConnectError(e);
            }
          };
        }
      }
      router.service(service, impl as never);
    }
  };
}

/** An in-memory Connect transport serving `backend`: pass it as `new Sovren({ transport })`. */
export function createSovrenRouterTransport(backend: MockSovrenBackend): Transport {
  return createRouterTransport(sovrenRoutes(backend));
}
