// Reads a JSON request body with a size limit; anything malformed is a 4xx.
import { ApiError, invalidArgument } from "../../domain/errors.js";
import type { NodeRequest } from "../request-state.js";

export const MAX_BODY_BYTES = 1024 * 1024;

export async function readJsonBody(req: NodeRequest, limit = MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  const type = String(req.headers["content-type"] ?? "application/json").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json" && !type.endsWith("+json")) {
    throw new ApiError("invalid_argument", `unsupported content type ${type}; send application/json`, { status: 415 });
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (err) {
    throw invalidArgument(`malformed JSON body: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw invalidArgument("the JSON body must be an object");
  }
  return value as Record<string, unknown>;
}

const tooLarge = (limit: number) =>
  // resource_exhausted, as Connect answers for its read limit; 413 is not retried by clients.
  new ApiError("resource_exhausted", `request body exceeds ${limit} bytes`, { status: 413 });
