import {
  fromJson,
  toJson,
  type DescMessage,
  type DescMethod,
  type DescMethodServerStreaming,
  type DescMethodUnary,
  type JsonValue,
} from "@bufbuild/protobuf";
import { ConnectError, type Transport } from "@connectrpc/connect";
import { BadRequestSchema } from "@sovren/contracts/grpc";
import { createAsyncIterable } from "@connectrpc/connect/protocol";
import { makeAPIError, statusForCode, titleForStatus } from "../core/error-factory.js";
import { APIConnectionError, SovrenError, ValidationError, type ErrorCode, type FieldViolation } from "../core/errors.js";
import type { OperationSpec } from "../internal/operations.js";
import { rpcMethod } from "../internal/rpc.js";
import type { StreamResult, UnaryResult, Wire } from "./types.js";

/** Connect codes by number minus one, in snake case. */
export const CODES: ErrorCode[] = [
  "canceled", "unknown", "invalid_argument", "deadline_exceeded", "not_found", "already_exists",
  "permission_denied", "resource_exhausted", "failed_precondition", "aborted", "out_of_range",
  "unimplemented", "internal", "unavailable", "data_loss", "unauthenticated",
];

/** Maps a ConnectError (or anything a Connect transport threw) to the SDK's hierarchy. */
export function errorFromConnect(error: unknown): SovrenError {
  if (error instanceof SovrenError) return error;
  const ce = ConnectError.from(error);
  // Errors a client creates locally (no server answer) are connection failures.
  if (!answeredByServer(ce) && (ce.code === 2 || ce.code === 14)) return new APIConnectionError(ce.rawMessage, error);
  const code = CODES[ce.code - 1] ?? "unknown";
  const status = statusForCode(code);
  const requestId = firstValue(ce.metadata.get("x-request-id"));
  const errors = fieldViolations(ce);
  return makeAPIError(`${status} ${code}: ${ce.rawMessage}`, {
    status,
    code,
    headers: ce.metadata,
    requestId,
    problem: {
      type: "about:blank",
      title: titleForStatus(status),
      status,
      code,
      detail: ce.rawMessage,
      ...(requestId ? { requestId } : {}),
      ...(errors.length ? { errors } : {}),
    },
    cause: error,
  });
}

/**
 * gRPC clients see headers and trailers merged; a proxy or server that sends
 * a header in both shows it as "a, b". A request id is one token: the first.
 */
function firstValue(value: string | null): string | undefined {
  const first = value?.split(",")[0]?.trim();
  return first || undefined;
}

/** The field violations of the standard google.rpc.BadRequest details, as REST's problem `errors`. */
function fieldViolations(ce: ConnectError): FieldViolation[] {
  try {
    return ce.findDetails(BadRequestSchema).flatMap((d) => d.fieldViolations.map((v) => ({ field: v.field, message: v.description })));
  } catch {
    return []; // a detail that does not decode is ignored, as connect-es does
  }
}

/**
 * Whether the error came from a server's answer. connect-es 2.2 says so in
 * `isWireError`; on 2.1 (the last release for Node 20) an answered error
 * carries the response's headers, while a failed connection carries none
 * and has the network error as its cause.
 */
function answeredByServer(ce: ConnectError): boolean {
  const flag = (ce as { isWireError?: boolean }).isWireError;
  if (typeof flag === "boolean") return flag;
  let headers = 0;
  ce.metadata.forEach(() => void headers++);
  return headers > 0 || ce.cause === undefined;
}

function toMessage(method: DescMethod, input: Record<string, unknown>) {
  try {
    return fromJson(method.input, input as JsonValue);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new ValidationError(`Invalid ${method.localName} request: ${message}`, "request", [{ field: "(root)", message }]);
  }
}

function merge(a: Headers, b?: Headers): Headers {
  const out = new Headers(a);
  b?.forEach((value, key) => out.append(key, value));
  return out;
}

/** Any Connect `Transport` (Connect, gRPC, gRPC-Web, in-memory router) as a wire. */
export function connectWire(transport: Transport, baseUrl: string, name = "connect"): Wire {
  const json = (schema: DescMessage, message: unknown) =>
    toJson(schema, message as never, { alwaysEmitImplicit: true }) as Record<string, unknown>;
  return {
    name,
    url(op) {
      const method = rpcMethod(op);
      return `${baseUrl.replace(/\/$/, "")}/${method.parent.typeName}/${method.name}`;
    },
    async unary(op: OperationSpec, input, ctx): Promise<UnaryResult> {
      const method = rpcMethod(op);
      if (method.methodKind !== "unary") throw new Error(`${op.id} is not unary`);
      const request = toMessage(method, input);
      try {
        const res = await transport.unary(method as DescMethodUnary, ctx.signal, undefined, ctx.headers, request);
        const body = json(method.output, res.message);
        return { data: op.unwrap ? body[op.unwrap] : body, status: 200, headers: merge(res.header, res.trailer), response: undefined };
      } catch (e) {
        throw errorFromConnect(e);
      }
    },
    async stream(op, input, ctx): Promise<StreamResult> {
      const method = rpcMethod(op);
      if (method.methodKind !== "server_streaming") throw new Error(`${op.id} is not server-streaming`);
      const request = toMessage(method, input);
      let res;
      try {
        res = await transport.stream(method as DescMethodServerStreaming, ctx.signal, undefined, ctx.headers, createAsyncIterable([request]));
      } catch (e) {
        throw errorFromConnect(e);
      }
      ctx.onOpen?.();
      const messages = res.message;
      async function* events() {
        try {
          for await (const message of messages) yield json(method.output, message);
        } catch (e) {
          throw errorFromConnect(e);
        }
      }
      return { status: 200, headers: res.header, response: undefined, events: events() };
    },
  };
}

