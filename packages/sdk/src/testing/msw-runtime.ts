// msw for the ESM build: a static import. The CommonJS build swaps this file
// for msw-runtime.cjs.ts (see tsup.config.ts), which loads msw on first use.
import * as msw from "msw";

/** msw's exports. */
export function mswRuntime(): typeof msw {
  return msw;
}
