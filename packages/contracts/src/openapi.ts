// Public entry for the types openapi-typescript generated from openapi/.
export type { components, operations, paths, webhooks, $defs } from "./gen/openapi/schema.js";
import type { components } from "./gen/openapi/schema.js";

/** A component schema of the OpenAPI contract, by name. */
export type Schema<Name extends keyof components["schemas"]> = components["schemas"][Name];
// Run-time routing facts with no zod (method, path, parameter names, error statuses).
export { operationRoutes, ErrorCodeHttpStatus } from "./gen/openapi/routes.js";
