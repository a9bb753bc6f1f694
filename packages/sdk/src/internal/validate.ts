// The contract's validators (zod/mini) and the checks around them. Loaded on
// the first call that validates (engine.ts imports this module lazily), so
// importing the SDK, or calling with `validate: false`, never loads zod.
import * as schemas from "@sovren/contracts/zod-mini";
import { config, safeParse, type $ZodError, type $ZodErrorMap, type $ZodType } from "zod/v4/core";
// The package export `zod/v4/locales` resolves to CJS under `require` and ESM
// under `import` (a file path like `zod/v4/locales/en.js` is ESM either way,
// which Node < 20.19 cannot `require`); bundlers keep only `en`.
import { en } from "zod/v4/locales";
import { ValidationError, type FieldViolation } from "../core/errors.js";
import type { OperationId } from "./operations.js";

/** Validator of each operation's REST body (unary) or of each stream event. */
const responses: { [K in OperationId]: $ZodType } = {
  commissionExecutive: schemas.CommissionExecutiveResponse,
  getExecutive: schemas.Executive,
  listExecutives: schemas.ListExecutivesResponse,
  updateExecutive: schemas.Executive,
  retireExecutive: schemas.Executive,
  runSimulation: schemas.Operation,
  getOperation: schemas.Operation,
  listOperations: schemas.ListOperationsResponse,
  cancelOperation: schemas.Operation,
  waitOperation: schemas.Operation,
  watchOperation: schemas.WatchOperationResponse,
  sendCommunication: schemas.Communication,
  getCommunication: schemas.Communication,
  listCommunications: schemas.ListCommunicationsResponse,
  watchCommunications: schemas.WatchCommunicationsResponse,
  checkHealth: schemas.CheckHealthResponse,
  checkReadiness: schemas.CheckReadinessResponse,
  eraseSubject: schemas.Operation,
  listExecutiveKeys: schemas.ListExecutiveKeysResponse,
  listAuditRecords: schemas.ListAuditRecordsResponse,
  getAuditHead: schemas.GetAuditHeadResponse,
};

/** The response validator of an operation (tests check the table against the contract). */
export function responseSchema(id: OperationId): $ZodType {
  return responses[id];
}

const english = en().localeError;
/**
 * The app's own zod configuration first (a custom error map or locale it set
 * with `z.config`), else English: zod/mini sets no locale, and without one
 * every message would read "Invalid input".
 */
const messages: $ZodErrorMap = (issue) => {
  const global = config();
  return global.customError?.(issue) ?? global.localeError?.(issue) ?? english(issue);
};

function check(schema: $ZodType, value: unknown) {
  return safeParse(schema, value, { error: messages });
}

function violations(error: $ZodError, prefix: string[] = []): FieldViolation[] {
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
  const op = schemas.operations[id];
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
    const result = check(schema as $ZodType, value);
    if (!result.success) found.push(...violations(result.error));
  }
  if (found.length > 0) throw new ValidationError(`Invalid ${id} request: ${describe(found)}`, "request", found);
}

/** Checks a response (or one stream event) against the contract's validator. */
export function validateResponse(id: OperationId, data: unknown, requestId?: string): void {
  const result = check(responses[id], data);
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
