// The Connect/gRPC/gRPC-Web transport: implements the five services of the
// generated descriptors by converting each request message to canonical JSON,
// running the shared pipeline, and converting the JSON response back.
import { fromJson, toJson, type DescMessage, type DescMethod } from "@bufbuild/protobuf";
import { createContextKey, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import {
  CommunicationService,
  ExecutiveService,
  HealthService,
  OperationService,
  SimulationService,
} from "@sovren/contracts/proto";
import { admit, executeUnary, openStream, type Pipeline } from "../../handlers/dispatch.js";
import { METHODS_BY_RPC, type MethodDef } from "../../handlers/methods.js";
import type { Call, Json } from "../../handlers/services.js";
import { validateMessage } from "../../handlers/validate.js";
import type { RequestState } from "../request-state.js";
import { toConnectError } from "./connect-error.js";

export const kRequestState = createContextKey<RequestState | undefined>(undefined);

const SERVICES = [ExecutiveService, SimulationService, OperationService, CommunicationService, HealthService];

async function prepare(p: Pipeline, def: MethodDef, method: DescMethod, req: unknown, ctx: HandlerContext) {
  const state = ctx.values.get(kRequestState)!;
  state.method = def.rpc;
  const principal = await admit(p, def, ctx.requestHeader);
  state.tenantId = principal?.tenantId;
  const message = toJson(method.input as DescMessage, req as never) as Json;
  const request = validateMessage(def.operationId, message);
  const call: Call = { principal, requestId: state.requestId, signal: ctx.signal, log: state.log, traceparent: state.trace.traceparent };
  return { state, call, request };
}

function implement(p: Pipeline, def: MethodDef, method: DescMethod) {
  const toMessage = (json: Json) => fromJson(method.output as DescMessage, json as never);
  if (method.methodKind === "unary") {
    return async (req: unknown, ctx: HandlerContext) => {
      let requestId = ctx.values.get(kRequestState)?.requestId ?? "";
      try {
        const { state, call, request } = await prepare(p, def, method, req, ctx);
        requestId = state.requestId;
        const { response, replayed } = await executeUnary(p, def, call, request, ctx.requestHeader.get("idempotency-key"));
        if (replayed) ctx.responseHeader.set("idempotent-replayed", "true");
        return toMessage(response);
      } catch (err) {
        throw fail(err, requestId, ctx);
      }
    };
  }
  return async function* (req: unknown, ctx: HandlerContext) {
    let requestId = ctx.values.get(kRequestState)?.requestId ?? "";
    try {
      const { state, call, request } = await prepare(p, def, method, req, ctx);
      requestId = state.requestId;
      for await (const event of await openStream(p, def, call, request)) yield toMessage(event);
    } catch (err) {
      throw fail(err, requestId, ctx);
    }
  };
}

function fail(err: unknown, requestId: string, ctx: HandlerContext) {
  const e = toConnectError(err, requestId);
  const state = ctx.values.get(kRequestState);
  if (state) state.code = String(e.code);
  if (e.code === 13) state?.log.error("request failed", { error: String(err), stack: (err as Error)?.stack });
  return e;
}

export function connectRoutes(p: Pipeline) {
  return (router: ConnectRouter) => {
    for (const service of SERVICES) {
      const impl: Record<string, unknown> = {};
      for (const method of service.methods) {
        const def = METHODS_BY_RPC.get(`${service.typeName}.${method.name}`);
        if (!def) throw new Error(`no handler for ${service.typeName}.${method.name}`);
        impl[method.localName] = implement(p, def, method);
      }
      router.service(service, impl as never);
    }
  };
}
