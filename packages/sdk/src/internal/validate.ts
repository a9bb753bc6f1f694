import type { z } from "zod";
import { ValidationError, type FieldViolation } from "../core/errors.js";
import { restOperation, type OperationId } from "./operations.js";

function violations(error: z.ZodError, prefix: string[] = []): FieldViolation[] {
  return error.issues.map((issue) => ({
    field: [...prefix, ...issue.path.map(String)].join(".") || "(root)",
    message: issue.message,
  }));
}

function describe(list: FieldViolation[]): string {
  return list.map((v) => `${v.field}: ${v.message}`).join("; ");
}

/**
 * Checks a request's JSON (path parameters, query and body merged, as in the
 * proto request message) against the contract's validators for the operation.
 */
export function validateRequest(id: OperationId, input: Record<string, unknown>): void {
  const op = restOperation(id);
  const pathKeys = Object.keys(op.pathParams.shape);
  const queryKeys = Object.keys(op.query.shape);
  const pick = (keys: string[]) => Object.fromEntries(Object.entries(input).filter(([k]) => keys.includes(k)));
  const rest = Object.fromEntries(Object.entries(input).filter(([k]) => !pathKeys.includes(k) && !queryKeys.includes(k)));
  const found: FieldViolation[] = [];
  for (const [schema, value] of [
    [op.pathParams, pick(pathKeys)],
    [op.query, pick(queryKeys)],
    [op.body, rest],
  ] as const) {
    if (!schema) {
      if (Object.keys(value).length > 0) {
        found.push(...Object.keys(value).map((field) => ({ field, message: "Unrecognized key" })));
      }
      continue;
    }
    const result = (schema as z.ZodType).safeParse(value);
    if (!result.success) found.push(...violations(result.error));
  }
  if (found.length > 0) throw new ValidationError(`Invalid ${id} request: ${describe(found)}`, "request", found);
}

/** Checks a response (or one stream event) against the contract's validator. */
export function validateResponse(id: OperationId, schema: z.ZodType, data: unknown, requestId?: string): void {
  const result = schema.safeParse(data);
  if (!result.success) {
    const found = violations(result.error);
    throw new ValidationError(
      `The ${id} response does not match the contract: ${describe(found)}`,
      "response",
      found,
      requestId,
    );
  }
}
