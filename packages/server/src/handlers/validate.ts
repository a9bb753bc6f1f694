// Validates a request's parts with the validators generated from the OpenAPI
// contract, turning zod issues into field violations (400 invalid_argument).
import { operations } from "@sovren/contracts/zod";
import type { z } from "zod";
import { invalidArgument } from "../domain/errors.js";
import type { OperationId } from "./methods.js";
import type { Json } from "./services.js";

export interface RequestParts {
  path: Json;
  query: Json;
  body: Json;
}

function check(schema: z.ZodType | undefined, value: Json, where: string, prefix = ""): Json {
  if (!schema) {
    if (Object.keys(value).length) throw invalidArgument(`this method takes no ${where}`);
    return {};
  }
  const r = schema.safeParse(value);
  if (r.success) return r.data as Json;
  const violations = r.error.issues.map((i) => ({
    field: prefix + (i.path.length ? i.path.join(".") : (i as { keys?: string[] }).keys?.join(",") ?? ""),
    message: i.message,
  }));
  throw invalidArgument(`invalid ${where}: ${violations.map((v) => `${v.field || where}: ${v.message}`).join("; ")}`, violations);
}

/** Validates REST parts (path, query, body) and merges them into the request message. */
export function validateParts(operationId: OperationId, parts: RequestParts): Json {
  const op = operations[operationId];
  return {
    ...check(op.pathParams as z.ZodType, parts.path, "path"),
    ...check(op.query as z.ZodType, parts.query, "query"),
    ...check(op.body as z.ZodType | undefined, parts.body, "body"),
  };
}

/** Splits a whole request message (Connect) into the parts REST would carry, then validates. */
export function validateMessage(operationId: OperationId, message: Json): Json {
  const op = operations[operationId];
  const pathKeys = new Set(Object.keys((op.pathParams as unknown as z.ZodObject).shape));
  const parts: RequestParts = { path: {}, query: {}, body: {} };
  const rest = op.body ? parts.body : parts.query;
  for (const [k, v] of Object.entries(message)) (pathKeys.has(k) ? parts.path : rest)[k] = v;
  return validateParts(operationId, parts);
}

/** Query strings carry numbers as text: convert the keys whose schema is a number. */
export function coerceQuery(operationId: OperationId, params: Iterable<[string, string]>): Json {
  const shape = (operations[operationId].query as unknown as z.ZodObject).shape as Record<string, z.ZodType>;
  const out: Json = {};
  for (const [k, v] of params) {
    let inner = shape[k] as { def?: { type?: string; innerType?: unknown } } | undefined;
    while (inner?.def?.type === "optional") inner = inner.def.innerType as typeof inner;
    const isNumber = inner?.def?.type === "number";
    // An empty value the contract accepts ("a UUID or empty", a filter, a page
    // token) is an unset field, as in proto3 (and as over Connect, where "" is
    // the default and never sent): `executiveId=` means no filter. An empty
    // value the contract refuses (a number, an enum) stays "" and is refused.
    if (v === "" && shape[k]?.safeParse("").success) continue;
    out[k] = isNumber && /^-?\d+$/.test(v) ? Number(v) : v;
  }
  return out;
}
