// Public entry for the types openapi-typescript generated from openapi/.
export type { components, operations, paths, webhooks, $defs } from "./gen/openapi/schema.js";
import type { components } from "./gen/openapi/schema.js";

/** A component schema of the OpenAPI contract, by name. */
export type Schema<Name extends keyof components["schemas"]> = components["schemas"][Name];
