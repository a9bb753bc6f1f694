// Public entry for the zod validators derived from openapi/.
export * from "./gen/zod/schemas.js";
