// Public entry for the same validators written with zod/mini (what the SDK
// ships: a fraction of classic zod's size and import time; same checks).
export * from "./gen/zod/mini.js";
