// msw for the CommonJS build (tsup.config.ts puts this file in place of
// msw-runtime.ts): msw's CommonJS build requires ESM-only packages, which
// Node before 20.19 cannot `require`, so it is loaded only when the msw
// handlers are built. `require("@sovren/sdk/testing")` then works on every
// Node 20 release for the mock backend and the Connect router transport.
import type * as msw from "msw";

declare const require: (id: string) => unknown;
let loaded: typeof msw | undefined;

/** msw's exports, required on first use. */
export function mswRuntime(): typeof msw {
  return (loaded ??= require("msw") as typeof msw);
}
