// The Connect/gRPC/gRPC-Web transport: implements the five services of the
// generated descriptors by converting each request message to canonical JSON,
// running the shared pipeline, and converting the JSON response back. Beside
// them, unauthenticated like /v1/health: gRPC health checking and server
// reflection (v1 and v1alpha).
import { fromJson, getOption, ScalarType, toBinary, toJson, type DescMessage, type DescMethod } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createContextKey, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import { Health } from "@sovren/contracts/grpc";
import {
  AuditService,
  CommunicationService,
  ExecutiveService,
  FieldBehavior,
  field_behavior,
  HealthService,
  KeyService,
  OperationService,
  SimulationService,
  SubjectService,
} from "@sovren/contracts/proto";
import { admit, executeUnary, openStream, type Pipeline } from "../../handlers/dispatch.js";
import { METHODS_BY_RPC, type MethodDef } from "../../handlers/methods.js";
import type { Call, Json } from "../../handlers/services.js";
import { validateMessage } from "../../handlers/validate.js";
import type { RequestState } from "../request-state.js";
import { isClientGone } from "../client-gone.js";
import { signingKeyFor } from "../../trust/response-signer.js";
import { signRpcResponse } from "../../trust/rpc-signature.js";
import { toConnectError } from "./connect-error.js";
import { grpcHealthService } from "./grpc-health.js";
import { addReflection } from "./grpc-reflection.js";

export const kRequestState = createContextKey<RequestState | undefined>(undefined);

const SERVICES = [ExecutiveService, SimulationService, OperationService, CommunicationService, HealthService, AuditService, SubjectService, KeyService];

const requiredStrings = new Map<DescMessage, string[]>();

/**
 * The JSON names of the message's REQUIRED string fields. Proto3 cannot tell
 * an empty string from an absent one and canonical JSON omits both, so these
 * are put back as "" before validation: the violation then says the field is
 * empty (as REST does), not "received undefined".
 */
function requiredStringFields(desc: DescMessage): string[] {
  let names = requiredStrings.get(desc);
  if (!names) {
    names = desc.fields
      .filter((f) => f.fieldKind === "scalar" && f.scalar === ScalarType.STRING && f.presence === FeatureSet_FieldPresence.IMPLICIT)
      .filter((f) => getOption(f, field_behavior).includes(FieldBehavior.REQUIRED))
      .map((f) => f.jsonName);
    requiredStrings.set(desc, names);
  }
  return names;
}

async function prepare(p: Pipeline, def: MethodDef, method: DescMethod, req: unknown, ctx: HandlerContext) {
  const state = ctx.values.get(kRequestState)!;
  state.method = def.rpc;
  const principal = await admit(p, def, ctx.requestHeader);
  state.tenantId = principal?.tenantId;
  const message = toJson(method.input as DescMessage, req as never) as Json;
  for (const name of requiredStringFields(method.input)) message[name] ??= "";
  const request = validateMessage(def.operationId, message);
  const call: Call = { principal, requestId: state.requestId, signal: ctx.signal, get log() { return state.log; }, traceparent: state.trace.traceparent };
  return { state, call, request };
}

function implement(p: Pipeline, def: MethodDef, method: DescMethod) {
  const toMessage = (json: Json) => fromJson(method.output as DescMessage, json as never);
  if (method.methodKind === "unary") {
    return async (req: unknown, ctx: HandlerContext) => {
      try {
        const { call, request } = await prepare(p, def, method, req, ctx);
        const { response, replayed } = await executeUnary(p, def, call, request, ctx.requestHeader.get("idempotency-key"));
        if (replayed) ctx.responseHeader.set("idempotent-replayed", "true");
        const message = toMessage(response);
        if (p.svc.config.signing.enabled) {
          // The same keys as REST, over the message's protobuf bytes (docs/signatures.md).
          const key = await signingKeyFor(p.svc, call.principal?.tenantId, def.operationId, response);
          const trailers = signRpcResponse(key, `/${method.parent.typeName}/${method.name}`, toBinary(method.output as DescMessage, message as never));
          for (const [name, value] of Object.entries(trailers)) ctx.responseTrailer.set(name, value);
        }
        return message;
      } catch (err) {
        throw rpcFailure(err, ctx);
      }
    };
  }
  return async function* (req: unknown, ctx: HandlerContext) {
    try {
      const { call, request } = await prepare(p, def, method, req, ctx);
      for await (const event of await openStream(p, def, call, request)) yield toMessage(event);
    } catch (err) {
      throw rpcFailure(err, ctx);
    }
  };
}

/** The error a failed RPC answers with; client disconnects are logged at debug, server faults at error. */
export function rpcFailure(err: unknown, ctx: Pick<HandlerContext, "values" | "signal">) {
  const state = ctx.values.get(kRequestState);
  if (isClientGone(err, ctx.signal)) {
    // The client cancelled, went away or ran out of deadline: not a server fault.
    const reason = ctx.signal.reason;
    const e = reason instanceof ConnectError ? reason : new ConnectError("the client cancelled the call", Code.Canceled);
    state?.log.debug("client went away", { error: String(err), code: e.code });
    if (state) state.code = String(e.code);
    return e;
  }
  const e = toConnectError(err);
  if (state) state.code = String(e.code);
  if (e.code === Code.Internal) state?.log.error("request failed", { error: String(err), stack: (err as Error)?.stack });
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
    router.service(Health, grpcHealthService(p.svc, SERVICES.map((s) => s.typeName)) as never);
    addReflection(router, [...SERVICES, Health]);
  };
}
